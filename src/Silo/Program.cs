using Microsoft.Extensions.Hosting;
using Osr.Orleans.Silo.Extensions;

// Embedded defaults: one silo, localhost clustering, in-memory storage, the MQTT broker on
// port 1883. Every setting can be overridden: appsettings.json, Osr__… environment
// variables, or --Osr:Section:Key=value arguments (see README.md and docs/operations.md).
var builder = OsrSiloHost.CreateBuilder(args);
await builder.Build().RunAsync();
