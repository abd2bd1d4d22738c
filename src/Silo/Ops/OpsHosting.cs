using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using Osr.Orleans.Grains.Metrics;

namespace Osr.Orleans.Silo.Ops;

/// <summary>
/// What an operator watches (docs/operations.md, "Watching it"): the ops HTTP port (<see cref="OpsServer"/>), the
/// Orleans Dashboard's silo side, and traces exported by OTLP. JSON console logs need nothing here: the standard
/// <c>Logging:Console:FormatterName=json</c> selects them.
/// </summary>
public static class OpsHosting
{
    /// <summary>Orleans' own trace sources: a span per grain call, parented across silos by activity propagation.</summary>
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Registered after the ingress, so that the ops port opens once the silo joined and its broker listens.</summary>
    public static IHostApplicationBuilder AddOsrOps(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OpsOptions>().Bind(builder.Configuration.GetSection(OpsOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OpsOptions>, OpsOptionsValidator>();
        builder.Services.AddHostedService<OpsServer>();

        var ops = builder.Configuration.GetSection(OpsOptions.Section).Get<OpsOptions>() ?? new();
        builder.UseOrleans(silo =>
        {
            // The dashboard's grains, its grain-call profiler and its log stream; its pages are served by OpsServer.
            if (ops.Port != 0 && ops.Dashboard) silo.AddDashboard();
            if (ops.Otlp.Enabled) silo.AddActivityPropagation();
        });
        if (ops.Otlp.Enabled && new OpsOptionsValidator().Validate(null, ops).Succeeded) AddTracing(builder.Services, ops.Otlp);
        return builder;
    }

    private static void AddTracing(IServiceCollection services, OtlpOptions otlp)
    {
        var grpc = otlp.Protocol == "Grpc";
        var endpoint = new Uri(otlp.Endpoint!);
        // With HttpProtobuf a configured endpoint is used as the full URL: add the standard path when only a base is given.
        if (!grpc && endpoint.AbsolutePath is "" or "/") endpoint = new Uri(endpoint, "v1/traces");
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("osr-silo", serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(t => t
                .AddSource(OsrTracing.SourceName)
                .AddSource(OrleansSources)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(otlp.SampleRatio)))
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = endpoint;
                    o.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                }));
    }
}
