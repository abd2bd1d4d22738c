using System.Net;
using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Ops;

/// <summary>The silo's operations HTTP port (<c>Osr:Ops</c>): health probes and Prometheus metrics (docs/operations.md, "Watching it").</summary>
public sealed class OpsOptions
{
    public const string Section = "Osr:Ops";

    /// <summary>TCP port of the ops HTTP listener; 0 turns it off.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Listener address (all IPv4 interfaces by default, so that probes and scrapers reach it).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>How long <c>/health/ready</c> waits for the storage to answer before it reports unready.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(2);
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
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
