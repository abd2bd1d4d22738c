using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Silo.Storage;
using Osr.Orleans.Storage.Migrations;

// Embedded defaults: one silo, localhost clustering, grain state in SQLite, the MQTT broker on
// port 1883. Every setting can be overridden: appsettings.json, Osr__… environment
// variables, or --Osr:Section:Key=value arguments (see README.md and docs/operations.md).
var stopping = CancellationToken.None;
try
{
    var builder = OsrSiloHost.CreateBuilder(args);
    var host = builder.Build();
    stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
    await host.RunAsync();
    return 0;
}
catch (Exception ex) when (stopping.IsCancellationRequested && Find<OperationCanceledException>(ex) is not null)
{
    // SIGTERM or Ctrl+C while the silo was still starting (e.g. a pod stopped during start-up): a requested stop, not a failure.
    Console.Error.WriteLine("osr silo: stopped while starting");
    return 0;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"osr silo: invalid configuration: {string.Join("; ", ex.Failures)}");
    return 2;
}
catch (Exception ex) when (Find<SchemaVersionException>(ex) is { } refusal)
{
    Console.Error.WriteLine($"osr silo: {refusal.Message}");
    return 2;
}
catch (Exception ex) when (Find<Osr.Orleans.Silo.Ops.OpsPortUnavailableException>(ex) is { } ops)
{
    Console.Error.WriteLine($"osr silo: invalid configuration: {ops.Message}");
    return 2;
}
catch (Exception ex) when (Find<StorageUnavailableException>(ex) is { } unavailable)
{
    Console.Error.WriteLine($"osr silo: {unavailable.Message}");
    return 1;
}
catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"osr silo: invalid configuration: {ex.Message}");
    return 2;
}

// The first T in an exception's chain (hosted services' failures arrive wrapped): a database schema this build cannot
// use (newer than it knows, or older with Osr:Storage:AutoMigrate=false), or a database it cannot reach.
static T? Find<T>(Exception ex) where T : Exception => ex switch
{
    T t => t,
    AggregateException a => a.InnerExceptions.Select(Find<T>).FirstOrDefault(s => s is not null),
    _ => ex.InnerException is { } inner ? Find<T>(inner) : null,
};
