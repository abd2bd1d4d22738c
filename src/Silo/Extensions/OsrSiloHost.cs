using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Silo.Ops;

namespace Osr.Orleans.Silo.Extensions;

/// <summary>Builds the silo host: the same wiring for <c>Program.cs</c>, tests and benchmarks.</summary>
public static class OsrSiloHost
{
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--Osr:Mqtt:Port=1884</c>).</param>
    /// <param name="overrides">Extra configuration applied last (tests: free ports, short intervals).</param>
    public static HostApplicationBuilder CreateBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);

        builder.Services.AddOsrSiloOptions(builder.Configuration);
        builder.Services.AddOsrEventStore();
        builder.AddOsrOrleans();
        builder.AddOsrIngress();
        builder.AddOsrPush();
        builder.AddOsrOps();
        return builder;
    }
}
