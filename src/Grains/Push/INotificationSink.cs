using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Grains.Push;

/// <summary>The channels a push may take (a user can opt out of one).</summary>
[Flags]
public enum PushChannels : byte
{
    None = 0,
    Mqtt = 1,
    Webhook = 2,
    All = Mqtt | Webhook,
}

/// <summary>
/// Where a decision to send goes: the user's MQTT notifications topic and the webhook outbox.
/// Implemented by the silo (it owns the broker and the HTTP clients); grains call it as a local
/// service, never through another grain.
/// </summary>
public interface INotificationSink
{
    /// <summary>
    /// Publishes on MQTT (QoS 1) and durably queues the webhook deliveries, each at most once per
    /// <see cref="Notification.NotificationId"/>. Completes when the outbox entry is stored and
    /// the MQTT message is handed to the broker. Nothing is delivered after
    /// <paramref name="deliverByUtc"/> (wall clock).
    /// </summary>
    ValueTask DeliverAsync(Notification notification, PushChannels channels, DateTimeOffset deliverByUtc, CancellationToken cancellationToken = default);
}

/// <summary>A sink that delivers nothing (tests and hosts without push).</summary>
public sealed class NullNotificationSink : INotificationSink
{
    public ValueTask DeliverAsync(Notification notification, PushChannels channels, DateTimeOffset deliverByUtc, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}
