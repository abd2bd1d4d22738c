using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Osr.Orleans.Client.Cli;

namespace Osr.Orleans.Client.Cluster;

/// <summary>An open connection to the cluster; disposing it closes the Orleans client.</summary>
public interface IClusterConnection : IAsyncDisposable
{
    IGrainFactory Grains { get; }
}

/// <summary>Opens cluster connections. Commands get it injected so tests can prove that bad input never connects.</summary>
public interface IClusterConnectionFactory
{
    /// <exception cref="CliFailureException">The cluster could not be reached within the connect timeout.</exception>
    Task<IClusterConnection> ConnectAsync(ClusterTarget target, bool verbose, CancellationToken cancellationToken);
}

/// <summary>
/// Builds an Orleans client host for a <see cref="ClusterTarget"/>: localhost clustering, a static gateway,
/// or ADO.NET (Npgsql) membership. Connecting retries once a second for at most <see cref="ConnectTimeout"/>,
/// then fails with a message naming the address instead of hanging.
/// </summary>
public sealed class OrleansClusterConnectionFactory : IClusterConnectionFactory
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async Task<IClusterConnection> ConnectAsync(ClusterTarget target, bool verbose, CancellationToken cancellationToken)
    {
        var gateway = target.Mode == ClusterMode.Static
            ? await EndpointParser.ResolveAsync(target.Gateway!.Value, cancellationToken).ConfigureAwait(false)
            : null;

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.None);
        if (verbose) builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        var started = Stopwatch.StartNew();
        builder.UseOrleansClient(client =>
        {
            switch (target.Mode)
            {
                case ClusterMode.Static:
                    client.UseStaticClustering(gateway!);
                    break;
                case ClusterMode.AdoNet:
                    client.UseAdoNetClustering((AdoNetClusteringClientOptions o) =>
                    {
                        o.Invariant = "Npgsql";
                        o.ConnectionString = target.ConnectionString;
                    });
                    break;
                default:
                    client.UseLocalhostClustering(target.GatewayPort, ClusterTarget.ServiceId, ClusterTarget.ClusterId);
                    break;
            }

            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterTarget.ClusterId;
                o.ServiceId = ClusterTarget.ServiceId;
            });
            client.UseConnectionRetryFilter(async (_, ct) =>
            {
                if (started.Elapsed + RetryDelay >= ConnectTimeout) return false;
                await Task.Delay(RetryDelay, ct).ConfigureAwait(false);
                return true;
            });
        });

        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout + TimeSpan.FromSeconds(2));
        try
        {
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await DisposeQuietlyAsync(host).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new CliFailureException($"cannot reach the cluster at {target.Describe()}: is the silo running? ({Describe(ex)})", ex);
        }

        return new ClusterConnection(host, host.Services.GetRequiredService<IClusterClient>());
    }

    private static string Describe(Exception ex) => ex is OperationCanceledException
        ? $"no answer within {ConnectTimeout.TotalSeconds:0} s"
        : ex.GetBaseException().Message;

    internal static async Task DisposeQuietlyAsync(IHost host)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopping a client that never connected may fail; there is nothing left to clean up.
        }

        host.Dispose();
    }

    private sealed class ClusterConnection(IHost host, IClusterClient client) : IClusterConnection
    {
        public IGrainFactory Grains => client;

        public ValueTask DisposeAsync() => new(DisposeQuietlyAsync(host));
    }
}
