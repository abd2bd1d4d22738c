using System.Net;
using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Ops;

/// <summary>The silo's operations HTTP port (<c>Osr:Ops</c>): health probes, Prometheus metrics, the Orleans Dashboard and trace export (docs/operations.md, "Watching it").</summary>
public sealed class OpsOptions
{
    public const string Section = "Osr:Ops";

    /// <summary>TCP port of the ops HTTP listener; 0 turns it off.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Listener address (all IPv4 interfaces by default, so that probes and scrapers reach it).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>How long <c>/health/ready</c> waits for the storage to answer before it reports unready.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The Orleans Dashboard at <c>/dashboard</c> (its grain-call profiler runs on every silo while on).</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Trace export by OTLP (off while <see cref="OtlpOptions.Endpoint"/> is empty).</summary>
    public OtlpOptions Otlp { get; set; } = new();
}

/// <summary><c>Osr:Ops:Otlp</c>: where the silo sends its traces (docs/operations.md, "Traces").</summary>
public sealed class OtlpOptions
{
    /// <summary>The collector, e.g. <c>http://otel-collector:4318</c> (HttpProtobuf) or <c>http://otel-collector:4317</c> (Grpc).</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>HttpProtobuf</c> (default) or <c>Grpc</c>.</summary>
    public string Protocol { get; set; } = "HttpProtobuf";

    /// <summary>The share of traces kept (0–1), decided where a trace starts (at the ingress) and followed downstream.</summary>
    public double SampleRatio { get; set; } = 1.0;

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);
}

public sealed class OpsOptionsValidator : IValidateOptions<OpsOptions>
{
    public ValidateOptionsResult Validate(string? name, OpsOptions o)
    {
        const string S = OpsOptions.Section;
        var errors = new List<string>();
        if (o.Port is < 0 or > 65535) errors.Add($"{S}:Port must be 0 (off) or 1–65535, got {o.Port}");
        if (!IPAddress.TryParse(o.BindAddress, out _)) errors.Add($"{S}:BindAddress must be an IP address, got '{o.BindAddress}'");
        if (o.ReadinessTimeout <= TimeSpan.Zero || o.ReadinessTimeout > TimeSpan.FromMinutes(1))
            errors.Add($"{S}:ReadinessTimeout must be above 0 and at most 1 minute, got {o.ReadinessTimeout}");
        var otlp = o.Otlp;
        if (otlp.Enabled && !(Uri.TryCreate(otlp.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            errors.Add($"{S}:Otlp:Endpoint must be an absolute http(s) URL such as http://collector:4318, got '{otlp.Endpoint}'");
        if (otlp.Protocol is not ("HttpProtobuf" or "Grpc"))
            errors.Add($"{S}:Otlp:Protocol must be HttpProtobuf or Grpc, got '{otlp.Protocol}'");
        if (!(otlp.SampleRatio is >= 0 and <= 1))
            errors.Add($"{S}:Otlp:SampleRatio must be between 0 and 1, got {otlp.SampleRatio}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
