using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Osr.Orleans.Grains.Metrics;

namespace Osr.Orleans.Silo.Ops;

/// <summary>
/// The ops HTTP port (<c>Osr:Ops:Port</c>, default 8080; 0 = off): <c>/health/live</c> (the process answers),
/// <c>/health/ready</c> (<see cref="ReadinessCheck"/>), <c>/metrics</c> (Prometheus text format: the project's
/// <c>Osr.Orleans</c> meter, Orleans' own meters and the .NET runtime's) and the Orleans Dashboard at <c>/dashboard</c>
/// (<see cref="OpsOptions.Dashboard"/>). A small web host of its own, started after
/// the silo joined and stopped before it leaves, so that the silo's hosting stays as it is and the port can be off.
/// </summary>
public sealed partial class OpsServer(IServiceProvider silo, IOptions<OpsOptions> options, ILogger<OpsServer> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>The meters <c>/metrics</c> exports besides the runtime's.</summary>
    private static readonly string[] Meters = [IngestCounters.MeterName, "Microsoft.Orleans"];

    /// <summary>The paths the ops port serves (docs/contract.md "Operations"; deploy/k8s probes and scrapes them).</summary>
    public const string LivePath = "/health/live", ReadyPath = "/health/ready", MetricsPath = "/metrics", DashboardPath = "/dashboard";

    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Port == 0) return;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // The dashboard's endpoints resolve the silo's services (its grain factory, assets and log stream).
        if (o.Dashboard) builder.Host.UseServiceProviderFactory(new SiloServiceFallbackFactory(silo));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(o.BindAddress), o.Port));
        builder.Services.AddHealthChecks().AddCheck("silo", new ReadinessCheck(silo, o.ReadinessTimeout), tags: ["ready"]);
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(Meters).AddRuntimeInstrumentation().AddPrometheusExporter());
        var app = builder.Build();
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (o.Dashboard)
        {
            // Request services come from the web host's own scope factory: let them fall back to the silo's too.
            app.Use((context, next) =>
            {
                context.RequestServices = new SiloServiceFallback(context.RequestServices, silo, owns: false);
                return next(context);
            });
            app.MapOrleansDashboard(DashboardPath);
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new OpsPortUnavailableException(
                $"{OpsOptions.Section}:Port {o.Port} on {o.BindAddress} cannot be opened ({e.Message}); give each silo on a machine its own port, or 0 to turn the ops port off", e);
        }
        _app = app;
        Listening(logger, o.BindAddress, o.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app) await app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app) await app.DisposeAsync();
        _app = null;
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Ops HTTP on {Address}:{Port}: /health/live, /health/ready, /metrics, /dashboard")]
    private static partial void Listening(ILogger logger, string address, int port);
}

/// <summary>The ops port cannot be opened (in use, not permitted): the silo does not start (exit code 2).</summary>
public sealed class OpsPortUnavailableException(string message, Exception inner) : Exception(message, inner);
