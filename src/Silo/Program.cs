using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Silo.Extensions;

// Embedded defaults: one silo, localhost clustering, grain state in SQLite, the MQTT broker on
// port 1883. Every setting can be overridden: appsettings.json, Osr__… environment
// variables, or --Osr:Section:Key=value arguments (see README.md and docs/operations.md).
try
{
    var builder = OsrSiloHost.CreateBuilder(args);
    await builder.Build().RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"osr silo: invalid configuration: {string.Join("; ", ex.Failures)}");
    return 2;
}
catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"osr silo: invalid configuration: {ex.Message}");
    return 2;
}
