using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Storage.Migrations;

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
catch (Exception ex) when (SchemaRefusal(ex) is { } refusal)
{
    Console.Error.WriteLine($"osr silo: {refusal.Message}");
    return 2;
}
catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"osr silo: invalid configuration: {ex.Message}");
    return 2;
}

// A database schema this build cannot use (newer than it knows, or older with Osr:Storage:AutoMigrate=false).
static SchemaVersionException? SchemaRefusal(Exception ex) => ex switch
{
    SchemaVersionException s => s,
    AggregateException a => a.InnerExceptions.Select(SchemaRefusal).FirstOrDefault(s => s is not null),
    _ => ex.InnerException is { } inner ? SchemaRefusal(inner) : null,
};
