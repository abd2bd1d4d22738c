using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Streams;
using LiveStreamNames = Osr.Orleans.Grains.Interfaces.LiveStreams;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Security;

namespace Osr.Orleans.Client.Cluster;

/// <summary>An open connection to the cluster; disposing it closes the Orleans client.</summary>
public interface IClusterConnection : IAsyncDisposable
{
    IGrainFactory Grains { get; }

    /// <summary>The live views' stream provider (<see cref="LiveStreamNames.Provider"/>).</summary>
    IStreamProvider LiveStreams { get; }
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
        var gateways = target.Mode == ClusterMode.Static ? await ResolveAsync(target.Gateways, cancellationToken).ConfigureAwait(false) : [];
        var tls = LoadTls(target.Tls);
        // Who the audit trail records for this console's changes (docs/decisions.md, "Audit trail").
        var who = AdminIdentity.Describe(tls?.Certificate.Subject, Environment.UserName, Environment.MachineName);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.None);
        if (verbose) builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        var started = Stopwatch.StartNew();
        builder.UseOrleansClient(client =>
        {
            switch (target.Mode)
            {
                case ClusterMode.Static:
                    // Several gateways: the client uses any live one and leaves the dead ones aside.
                    client.UseStaticClustering([.. gateways]);
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
            if (tls is not null) client.UseTls(tls.Certificate, o => ApplyTls(o, tls));
            client.AddOutgoingGrainCallFilter(call =>
            {
                RequestContext.Set(AdminIdentity.RequestKey, who);
                return call.Invoke();
            });
            // The live views (user watch, stats --watch) subscribe to the silos' memory streams.
            client.AddMemoryStreams(LiveStreamNames.Provider);
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

    /// <summary>The client certificate and the authority the gateways' certificates must chain to; null when TLS is off.</summary>
    /// <exception cref="CliInputException">The settings cannot be used (exit 2, naming the key).</exception>
    private static ClusterTlsMaterial? LoadTls(ClusterTlsSettings? settings)
    {
        if (settings is null) return null;
        try
        {
            return ClusterTls.Load(settings, DateTimeOffset.UtcNow);
        }
        catch (ClusterTlsException e)
        {
            throw new CliInputException($"invalid TLS settings: {e.Message}");
        }
    }

    /// <summary>Shows this console's certificate and trusts a gateway only when its certificate chains to the configured authority.</summary>
    private static void ApplyTls(global::Orleans.Connections.Security.TlsOptions options, ClusterTlsMaterial tls)
    {
        options.LocalCertificate = tls.Certificate;
        options.RemoteCertificateMode = global::Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => ClusterTls.IsTrusted(certificate, tls.Authorities, DateTimeOffset.UtcNow, out _);
    }

    /// <summary>Every gateway whose name resolves; fails only when none does (a dead silo's name may be gone).</summary>
    private static async Task<System.Net.IPEndPoint[]> ResolveAsync(IReadOnlyList<EndpointParser.HostPort> endpoints, CancellationToken cancellationToken)
    {
        var resolved = new List<System.Net.IPEndPoint>();
        Exception? last = null;
        foreach (var endpoint in endpoints)
        {
            try
            {
                resolved.Add(await EndpointParser.ResolveAsync(endpoint, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is CliFailureException or System.Net.Sockets.SocketException)
            {
                last = ex;
            }
        }
        return resolved.Count > 0 || last is null
            ? [.. resolved]
            : throw new CliFailureException($"cannot resolve any gateway of {string.Join(",", endpoints)}: {last.Message}", last);
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

        public IStreamProvider LiveStreams => client.GetStreamProvider(LiveStreamNames.Provider);

        public ValueTask DisposeAsync() => new(DisposeQuietlyAsync(host));
    }
}
