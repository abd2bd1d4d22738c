using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Options;

public enum ClusterMode { Localhost, AdoNet, Kubernetes }

public enum StorageMode { Memory, AdoNet }

/// <summary>How this silo finds the others (section <c>Osr:Cluster</c>).</summary>
public sealed class OsrClusterOptions
{
    public const string Section = "Osr:Cluster";
    public const string ClusterId = "osr";
    public const string ServiceId = "osr";

    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public string? ConnectionString { get; set; }
}

/// <summary>Where grain state lives (section <c>Osr:Storage</c>).</summary>
public sealed class OsrStorageOptions
{
    public const string Section = "Osr:Storage";

    public StorageMode Mode { get; set; } = StorageMode.Memory;
    public string? ConnectionString { get; set; }
}

public sealed class OsrClusterOptionsValidator : IValidateOptions<OsrClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, OsrClusterOptions o)
    {
        var errors = new List<string>();
        if (o.SiloPort is < 1 or > 65535) errors.Add($"{OsrClusterOptions.Section}:SiloPort must be 1–65535, got {o.SiloPort}");
        if (o.GatewayPort is < 1 or > 65535) errors.Add($"{OsrClusterOptions.Section}:GatewayPort must be 1–65535, got {o.GatewayPort}");
        if (o.SiloPort == o.GatewayPort) errors.Add($"{OsrClusterOptions.Section}: SiloPort and GatewayPort must differ");
        if (o.Mode != ClusterMode.Localhost)
            errors.Add($"{OsrClusterOptions.Section}:Mode {o.Mode} is not available in this version yet; use Localhost (see docs/operations.md)");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class OsrStorageOptionsValidator : IValidateOptions<OsrStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, OsrStorageOptions o) =>
        o.Mode == StorageMode.Memory
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{OsrStorageOptions.Section}:Mode {o.Mode} is not available in this version yet; use Memory (see docs/operations.md)");
}
