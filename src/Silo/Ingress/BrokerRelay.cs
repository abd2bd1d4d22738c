using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using Orleans.Services;
using Osr.Orleans.Grains.Devices;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>A silo's embedded broker, reachable from the other silos.</summary>
public interface IBrokerRelayService : IGrainService
{
    /// <summary>Publishes a notification (QoS 1) to the devices connected here.</summary>
    Task PublishAsync(string topic, [Immutable] byte[] payload);

    /// <summary>Closes the sessions of <paramref name="clientId"/> connected here; returns how many.</summary>
    Task<int> DisconnectAsync(string clientId);
}

/// <summary>
/// Runs on every silo (an Orleans <see cref="GrainService"/>) and hands what another silo relays to this silo's
/// embedded broker; a broker without a subscriber for the topic drops it.
/// </summary>
[Reentrant]
internal sealed class BrokerRelayService(GrainId grainId, global::Orleans.Runtime.Silo silo, ILoggerFactory loggerFactory,
    IServiceProvider services) : GrainService(grainId, silo, loggerFactory), IBrokerRelayService
{
    private readonly IDeviceChannel? _devices = services.GetService<IDeviceChannel>();

    public Task PublishAsync(string topic, byte[] payload) =>
        _devices is null ? Task.CompletedTask : _devices.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);

    public Task<int> DisconnectAsync(string clientId) => _devices is null ? Task.FromResult(0) : _devices.DisconnectAsync(clientId);
}

/// <summary>
/// What a silo asks of every silo's embedded broker (docs/operations.md, "Devices and silo failure"). A device is
/// connected to one silo's broker, and the decision for its user is made wherever that user's grains live, so each
/// notification is published on the local broker and relayed to every other active silo's
/// <see cref="IBrokerRelayService"/>. Pushes are rare (a few per user and day), so one message per silo and push is
/// cheaper than tracking where every device is connected; the relay does not wait for the other silos (a silo that
/// dies meanwhile takes its connections with it). Closing a device's sessions when its credentials change
/// (<see cref="IDeviceSessions"/>) goes to every silo too, and waits for each (at most <see cref="DisconnectTimeout"/>).
/// </summary>
public sealed class BrokerRelay(IServiceProvider services, IClusterMembershipService membership, ILocalSiloDetails local,
    ILogger<BrokerRelay> logger) : GrainServiceClient<IBrokerRelayService>(services), IDeviceSessions
{
    public static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly IServiceProvider _services = services;

    /// <summary>Relays <paramref name="payload"/> to every active silo other than this one; returns how many.</summary>
    public int Broadcast(string topic, byte[] payload)
    {
        var relayed = 0;
        foreach (var target in OtherActiveSilos())
        {
            _ = GetGrainService(target).PublishAsync(topic, payload).ContinueWith(
                t => IngressLog.RelayFailed(logger, t.Exception!.GetBaseException(), topic, target.ToString()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            relayed++;
        }
        return relayed;
    }

    public async Task DisconnectAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        // Never throws (but for cancellation): the caller has already stored the new credentials, and a shown-once
        // secret must reach the admin even if a broker fails to close a session.
        var calls = new List<Task>();
        if (_services.GetService<IDeviceChannel>() is { } local) calls.Add(Bounded(() => local.DisconnectAsync(deviceId, cancellationToken), "this silo"));
        foreach (var target in OtherActiveSilos()) calls.Add(Bounded(() => GetGrainService(target).DisconnectAsync(deviceId), target.ToString()));
        await Task.WhenAll(calls);

        async Task Bounded(Func<Task<int>> disconnect, string silo)
        {
            try
            {
                await disconnect().WaitAsync(DisconnectTimeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A silo that does not answer is dying, and its sessions end with it.
                IngressLog.RelayFailed(logger, e, $"disconnect {deviceId}", silo);
            }
        }
    }

    private IEnumerable<SiloAddress> OtherActiveSilos()
    {
        foreach (var member in membership.CurrentSnapshot.Members.Values)
            if (member.Status == SiloStatus.Active && !member.SiloAddress.Equals(local.SiloAddress)) yield return member.SiloAddress;
    }
}
