using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Osr.Orleans.Models.Security;

namespace Osr.Orleans.Silo.Options;

/// <summary>How the silos find each other (docs/contract.md "Storage and cluster").</summary>
public enum ClusterMode
{
    /// <summary>One silo, no membership table (embedded mode).</summary>
    Localhost,

    /// <summary>Membership in PostgreSQL through Orleans' ADO.NET clustering provider.</summary>
    AdoNet,

    /// <summary>
    /// Membership in PostgreSQL as <see cref="AdoNet"/>, with Orleans' Kubernetes hosting: the pod's name, namespace
    /// and IP name and address the silo, and silos whose pod is gone are declared dead (deploy/k8s).
    /// </summary>
    Kubernetes,
}

/// <summary>Where grain state and reminders live (docs/contract.md "Storage and cluster").</summary>
public enum StorageMode
{
    /// <summary>Embedded and durable: <c>{Osr:Data:Path}/grains.db</c> (the default).</summary>
    Sqlite,

    /// <summary>PostgreSQL through Orleans' ADO.NET providers (cluster mode).</summary>
    AdoNet,

    /// <summary>In memory, gone with the silo: tests only.</summary>
    Memory,
}

/// <summary>How this silo finds the others (section <c>Osr:Cluster</c>).</summary>
public sealed class OsrClusterOptions
{
    public const string Section = "Osr:Cluster";
    public const string ClusterId = "osr";
    public const string ServiceId = "osr";

    public ClusterMode Mode { get; set; } = ClusterMode.Localhost;

    /// <summary>Silo-to-silo port. Several silos on one machine need distinct ports. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (osr-admin) connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Npgsql connection string of the membership table (AdoNet, Kubernetes); empty = <c>Osr:Storage:ConnectionString</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The address this silo publishes in the membership table (AdoNet), which the other silos and
    /// the clients dial. Default 127.0.0.1 (every silo on one machine); in a real cluster, the
    /// host's own address. Not used in Kubernetes mode, which advertises the pod's IP (<c>POD_IP</c>).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Mutual TLS of silo-to-silo and client-to-gateway connections (<c>Osr:Cluster:Tls:*</c>); off while no certificate is set.</summary>
    public ClusterTlsSettings Tls { get; set; } = new();

    internal IPAddress ParsedAdvertisedAddress => IPAddress.Parse(AdvertisedAddress);
}

/// <summary>Where grain state lives (section <c>Osr:Storage</c>).</summary>
public sealed class OsrStorageOptions
{
    public const string Section = "Osr:Storage";

    /// <summary>The SQLite file of grain state and reminders, under <c>Osr:Data:Path</c>.</summary>
    public const string GrainsFileName = "grains.db";

    public StorageMode Mode { get; set; } = StorageMode.Sqlite;

    /// <summary>Npgsql connection string (AdoNet).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a starting silo keeps trying to reach PostgreSQL (AdoNet) before it gives up with exit code 1:
    /// in a deployment the database may come up after the silos.
    /// </summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Checks <c>Osr:Cluster</c> together with <c>Osr:Storage</c>: the cluster's connection string
/// defaults to the storage one, and a cluster of several silos needs state every silo can reach.
/// In Kubernetes mode it also checks the pod's environment (<see cref="KubernetesPod"/>).
/// </summary>
public sealed class OsrClusterOptionsValidator(IOptions<OsrStorageOptions> storage, KubernetesPod pod, TimeProvider? time = null) : IValidateOptions<OsrClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, OsrClusterOptions o)
    {
        const string S = OsrClusterOptions.Section;
        var errors = new List<string>();
        if (o.SiloPort is < 1 or > 65535) errors.Add($"{S}:SiloPort must be 1–65535, got {o.SiloPort}");
        if (o.GatewayPort is < 1 or > 65535) errors.Add($"{S}:GatewayPort must be 1–65535, got {o.GatewayPort}");
        if (o.SiloPort == o.GatewayPort) errors.Add($"{S}: SiloPort and GatewayPort must differ, both are {o.SiloPort}");
        if (!IPAddress.TryParse(o.AdvertisedAddress, out var advertised) || advertised.Equals(IPAddress.Any) || advertised.Equals(IPAddress.IPv6Any))
            errors.Add($"{S}:AdvertisedAddress must be an IP address other peers can dial, got '{o.AdvertisedAddress}'");
        if (o.Tls.AnySet)
        {
            try
            {
                ClusterTls.Load(o.Tls, (time ?? TimeProvider.System).GetUtcNow());
            }
            catch (ClusterTlsException e)
            {
                errors.AddRange(e.Problems);
            }
        }
        switch (o.Mode)
        {
            case ClusterMode.Localhost:
                break;
            case ClusterMode.AdoNet or ClusterMode.Kubernetes:
                var connection = string.IsNullOrWhiteSpace(o.ConnectionString) ? storage.Value.ConnectionString : o.ConnectionString;
                if (string.IsNullOrWhiteSpace(connection))
                    errors.Add($"{S}:Mode {o.Mode} needs a PostgreSQL connection string: set {S}:ConnectionString or {OsrStorageOptions.Section}:ConnectionString");
                else if (NpgsqlConnectionStrings.Check(connection) is { } error)
                    errors.Add($"{S}:ConnectionString is not a valid Npgsql connection string: {error}");
                if (storage.Value.Mode != StorageMode.AdoNet)
                    errors.Add($"{S}:Mode {o.Mode} needs {OsrStorageOptions.Section}:Mode AdoNet: grains move between silos, so their state must live where every silo reads it (got {storage.Value.Mode})");
                if (o.Mode == ClusterMode.Kubernetes) errors.AddRange(pod.Problems());
                break;
            default:
                errors.Add($"{S}:Mode must be Localhost, AdoNet or Kubernetes, got {o.Mode}");
                break;
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public sealed class OsrStorageOptionsValidator : IValidateOptions<OsrStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, OsrStorageOptions o)
    {
        const string S = OsrStorageOptions.Section;
        if (o.StartupTimeout < TimeSpan.Zero)
            return ValidateOptionsResult.Fail($"{S}:StartupTimeout must not be negative, got {o.StartupTimeout}");
        switch (o.Mode)
        {
            case StorageMode.Sqlite or StorageMode.Memory:
                return ValidateOptionsResult.Success;
            case StorageMode.AdoNet when string.IsNullOrWhiteSpace(o.ConnectionString):
                return ValidateOptionsResult.Fail($"{S}:Mode AdoNet needs {S}:ConnectionString (an Npgsql connection string, e.g. Host=db;Database=osr;Username=osr;Password=…)");
            case StorageMode.AdoNet:
                return NpgsqlConnectionStrings.Check(o.ConnectionString!) is { } error
                    ? ValidateOptionsResult.Fail($"{S}:ConnectionString is not a valid Npgsql connection string: {error}")
                    : ValidateOptionsResult.Success;
            default:
                return ValidateOptionsResult.Fail($"{S}:Mode must be Sqlite, AdoNet or Memory, got {o.Mode}");
        }
    }
}

/// <summary>Parses a connection string the way Npgsql will, without connecting.</summary>
internal static class NpgsqlConnectionStrings
{
    /// <returns>null when Npgsql accepts it, else why not (the string itself is never echoed: it may hold a password).</returns>
    public static string? Check(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return string.IsNullOrWhiteSpace(builder.Host) ? "no Host" : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return e.Message;
        }
    }
}
