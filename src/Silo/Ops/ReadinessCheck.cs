using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Osr.Orleans.Silo.Ingress;
using Osr.Orleans.Storage;

namespace Osr.Orleans.Silo.Ops;

/// <summary>
/// <c>/health/ready</c>: the silo is an active member of its cluster (it joined and is not shutting down), its MQTT
/// broker listens (embedded) or it is connected to every external broker, and its storage answers within <see cref="OpsOptions.ReadinessTimeout"/>.
/// Reads the silo's own services; the ops server is a separate small web host.
/// </summary>
internal sealed class ReadinessCheck(IServiceProvider silo, TimeSpan storageTimeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var local = silo.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var status = silo.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(local);
        if (status != SiloStatus.Active) return HealthCheckResult.Unhealthy($"the silo is {status} in the cluster, not Active");

        if (silo.GetService<IDeviceChannel>()?.NotReadyReason is { } brokerDown) return HealthCheckResult.Unhealthy(brokerDown);

        if (silo.GetService<OsrStores>() is { } stores)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(storageTimeout);
            try
            {
                await stores.PingAsync(timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"the {stores.Backend} storage does not answer: {(e is OperationCanceledException ? $"no answer in {storageTimeout.TotalSeconds:0.#} s" : e.Message)}");
            }
        }
        return HealthCheckResult.Healthy($"active in the cluster as {local}");
    }
}
