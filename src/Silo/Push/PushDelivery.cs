using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.Silo.Push;

/// <summary>
/// The silo's <see cref="INotificationSink"/>: one JSON body (<see cref="NotificationJson"/>)
/// published with QoS 1 on <c>osr/v1/users/{userId}/notifications</c> through the <see cref="IDeviceChannel"/>
/// (the external broker, or the embedded one and, in a cluster, every other silo's, <see cref="BrokerRelay"/>) and queued in the <see cref="WebhookOutbox"/> for every configured webhook.
/// <para>At most once per notification id on each channel, across restarts: the outbox stores the
/// webhook entries and the fact that MQTT was handed the id in one transaction before anything is
/// sent, and a repeated call with the same id sends nothing new. Nothing is published on MQTT
/// after <c>deliverByUtc</c>; webhook entries past it are marked expired by the outbox.</para>
/// </summary>
public sealed class PushDelivery : INotificationSink
{
    private readonly WebhookOutbox _outbox;
    private readonly DecisionCounters _counters;
    private readonly OsrClock _clock;
    private readonly ILogger _logger;
    private readonly Func<string, byte[], CancellationToken, Task>? _publish;

    /// <param name="devices">The broker devices connect to; without one (hosts without ingress) the MQTT channel is skipped.</param>
    /// <param name="relay">The other silos' embedded brokers (a cluster), where the user's devices may be connected instead;
    /// not used when <paramref name="devices"/> reaches every device (an external broker).</param>
    public PushDelivery(WebhookOutbox outbox, DecisionCounters counters, OsrClock clock, ILogger<PushDelivery> logger, IDeviceChannel? devices = null,
        BrokerRelay? relay = null)
        : this(outbox, counters, clock, logger, devices is null ? null : async (topic, payload, ct) =>
        {
            if (!devices.ReachesAllDevices) relay?.Broadcast(topic, payload);
            await devices.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, ct);
        })
    {
    }

    /// <summary>With an explicit QoS 1 publisher (tests).</summary>
    internal PushDelivery(WebhookOutbox outbox, DecisionCounters counters, OsrClock clock, ILogger logger,
        Func<string, byte[], CancellationToken, Task>? publish)
    {
        _outbox = outbox;
        _counters = counters;
        _clock = clock;
        _logger = logger;
        _publish = publish;
    }

    public async ValueTask DeliverAsync(Notification notification, PushChannels channels, DateTimeOffset deliverByUtc,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var mqtt = channels.HasFlag(PushChannels.Mqtt) && _publish is not null;
        var webhooks = channels.HasFlag(PushChannels.Webhook);
        if (!mqtt && !webhooks) return;
        using var activity = OsrTracing.Source.StartActivity(OsrTracing.Push);
        activity?.SetTag("osr.decision", notification.NotificationId).SetTag("osr.channels", channels.ToString());

        var started = _clock.Provider.GetTimestamp();
        var body = NotificationJson.Serialize(notification);
        if (mqtt && _clock.UtcNow >= deliverByUtc)
        {
            mqtt = false;
            _counters.Add(PushCounterNames.MqttExpired);
            PushLog.MqttExpired(_logger, notification.NotificationId, deliverByUtc);
        }

        // Durable first: the webhook entries and the MQTT marker, in one transaction.
        var stored = await _outbox.EnqueueAsync(notification.NotificationId, body, deliverByUtc, webhooks, mqtt, cancellationToken);
        if (!mqtt) return;
        if (!stored.MqttFirst)
        {
            PushLog.MqttDuplicate(_logger, notification.NotificationId);
            return;
        }

        var topic = Topics.Notifications(notification.UserId);
        await _publish!(topic, body, cancellationToken);
        _counters.Add(PushCounterNames.MqttPublished);
        _counters.PushLatency("mqtt", _clock.Provider.GetElapsedTime(started).TotalSeconds);
        PushLog.MqttPublished(_logger, notification.NotificationId, topic);
    }
}
