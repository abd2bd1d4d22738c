using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using Orleans.Services;
using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.Silo.Push;

/// <summary>
/// A silo's embedded broker, reachable from the other silos: publishes a notification to the devices connected here.
/// </summary>
public interface INotificationRelayService : IGrainService
{
    Task PublishAsync(string topic, [Immutable] byte[] payload);
}

/// <summary>
/// Runs on every silo (an Orleans <see cref="GrainService"/>) and hands what another silo relays to this silo's
/// embedded broker; a broker without a subscriber for the topic drops it.
/// </summary>
[Reentrant]
internal sealed class NotificationRelayService(GrainId grainId, global::Orleans.Runtime.Silo silo, ILoggerFactory loggerFactory,
    IServiceProvider services) : GrainService(grainId, silo, loggerFactory), INotificationRelayService
{
    private readonly MqttIngress? _ingress = services.GetService<MqttIngress>();

    public Task PublishAsync(string topic, byte[] payload) =>
        _ingress is null ? Task.CompletedTask : _ingress.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
}

/// <summary>
/// Cross-silo push delivery for the embedded brokers (docs/operations.md, "Devices and silo failure"): a device is
/// connected to one silo's broker, and the decision for its user is made wherever that user's grains live, so each
/// notification is published on the local broker and relayed to every other active silo's
/// <see cref="INotificationRelayService"/>. Pushes are rare (a few per user and day), so one message per silo and
/// push is cheaper than tracking where every device is connected. The relay does not wait for the other silos:
/// a silo that dies meanwhile takes its connections with it, and its devices reconnect to a survivor.
/// </summary>
public sealed class NotificationRelay(IServiceProvider services, IClusterMembershipService membership, ILocalSiloDetails local,
    ILogger<NotificationRelay> logger) : GrainServiceClient<INotificationRelayService>(services)
{
    /// <summary>Relays <paramref name="payload"/> to every active silo other than this one; returns how many.</summary>
    public int Broadcast(string topic, byte[] payload)
    {
        var relayed = 0;
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Active || member.SiloAddress.Equals(local.SiloAddress)) continue;
            var target = member.SiloAddress;
            _ = GetGrainService(target).PublishAsync(topic, payload).ContinueWith(
                t => PushLog.RelayFailed(logger, t.Exception!.GetBaseException(), topic, target.ToString()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            relayed++;
        }
        return relayed;
    }
}
