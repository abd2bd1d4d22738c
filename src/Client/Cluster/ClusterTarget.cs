using Microsoft.Extensions.Configuration;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Models.Security;

namespace Osr.Orleans.Client.Cluster;

public enum ClusterMode
{
    /// <summary>The local silo's gateway on 127.0.0.1 (development default).</summary>
    Localhost,

    /// <summary>The gateways given with <c>--gateway HOST:PORT[,HOST:PORT…]</c>; any live one serves.</summary>
    Static,

    /// <summary>Gateways read from the ADO.NET (PostgreSQL) membership table, as the silos use.</summary>
    AdoNet,
}

/// <summary>
/// Where <c>osr-admin</c> connects: <c>--gateway</c> wins, then <c>Osr:Cluster:Mode</c>
/// (<c>Localhost</c> | <c>AdoNet</c>) with <c>Osr:Cluster:GatewayPort</c> (default 30000) and
/// <c>Osr:Cluster:ConnectionString</c> from appsettings.json or <c>Osr__Cluster__…</c> variables.
/// </summary>
public sealed record ClusterTarget(ClusterMode Mode, int GatewayPort, EndpointParser.HostPort? Gateway, string? ConnectionString)
{
    public const int DefaultGatewayPort = 30000;

    /// <summary>Cluster and service id shared with the silo (its clustering extension uses the same constants).</summary>
    public const string ClusterId = "osr";

    public const string ServiceId = "osr";

    public static ClusterTarget Default { get; } = new(ClusterMode.Localhost, DefaultGatewayPort, null, null);

    /// <summary>Every static gateway: <see cref="Gateway"/> is the first of them.</summary>
    public IReadOnlyList<EndpointParser.HostPort> Gateways
    {
        get => _gateways ?? (Gateway is { } one ? [one] : []);
        init => _gateways = value;
    }

    private readonly IReadOnlyList<EndpointParser.HostPort>? _gateways;

    /// <summary>Mutual TLS to the gateways (<c>Osr:Cluster:Tls:*</c>, as the silos use); null when no such key is set.</summary>
    public ClusterTlsSettings? Tls { get; init; }

    /// <summary>Human description used in error messages ("cannot reach the cluster at …").</summary>
    public string Describe() => Mode switch
    {
        ClusterMode.Static => string.Join(",", Gateways),
        ClusterMode.AdoNet => "the gateways listed in the AdoNet membership table",
        _ => $"127.0.0.1:{GatewayPort}",
    };

    /// <exception cref="CliInputException">The configuration or <paramref name="gatewayOption"/> is invalid.</exception>
    public static ClusterTarget Resolve(IConfiguration configuration, string? gatewayOption)
    {
        var tls = new ClusterTlsSettings();
        configuration.GetSection(ClusterTlsSettings.Section).Bind(tls);
        return ResolveWithoutTls(configuration, gatewayOption) with { Tls = tls.AnySet ? tls : null };
    }

    private static ClusterTarget ResolveWithoutTls(IConfiguration configuration, string? gatewayOption)
    {
        if (gatewayOption is not null)
        {
            if (!EndpointParser.TryParseList(gatewayOption, out var gateways, out var error)) throw new CliInputException($"--gateway: {error}");
            return new ClusterTarget(ClusterMode.Static, gateways[0].Port, gateways[0], null) { Gateways = gateways };
        }

        var section = configuration.GetSection("Osr:Cluster");
        var portText = section["GatewayPort"];
        var port = DefaultGatewayPort;
        if (!string.IsNullOrWhiteSpace(portText) && (!int.TryParse(portText, out port) || port is < 1 or > 65535))
            throw new CliInputException($"Osr:Cluster:GatewayPort '{portText}' is not a port number (1–65535)");

        var mode = section["Mode"];
        if (string.IsNullOrWhiteSpace(mode) || mode.Equals("Localhost", StringComparison.OrdinalIgnoreCase))
            return new ClusterTarget(ClusterMode.Localhost, port, null, null);

        if (mode.Equals("AdoNet", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = section["ConnectionString"];
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new CliInputException("Osr:Cluster:Mode is AdoNet but Osr:Cluster:ConnectionString is not set");
            return new ClusterTarget(ClusterMode.AdoNet, port, null, connectionString);
        }

        throw new CliInputException(
            $"Osr:Cluster:Mode '{mode}' is not supported by osr-admin: use Localhost or AdoNet, or pass --gateway HOST:PORT " +
            "(e.g. a port-forwarded Kubernetes silo)");
    }
}
