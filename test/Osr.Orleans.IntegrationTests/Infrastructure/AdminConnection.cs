using Microsoft.Extensions.Configuration;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>The console's own cluster connection (as <c>osr-admin --gateway</c> makes it) to silos on loopback.</summary>
internal static class AdminConnection
{
    public static Task<IClusterConnection> ConnectAsync(params int[] gatewayPorts) =>
        new OrleansClusterConnectionFactory().ConnectAsync(
            ClusterTarget.Resolve(new ConfigurationBuilder().Build(), string.Join(",", gatewayPorts.Select(p => $"127.0.0.1:{p}"))),
            verbose: false, CancellationToken.None);
}
