namespace Osr.Orleans.Grains.Interfaces;

/// <summary>Names of the push counters (added to <see cref="Grains.Metrics.DecisionCounters"/>).</summary>
public static class PushCounterNames
{
    /// <summary>A notification handed to the broker on the user's notifications topic.</summary>
    public const string MqttPublished = "push.mqtt.published";

    /// <summary>A notification not published on MQTT because its deliver-by time had passed.</summary>
    public const string MqttExpired = "push.mqtt.expired";

    /// <summary>An outbox entry (one notification × one webhook) stored for delivery.</summary>
    public const string WebhookQueued = "push.webhook.queued";

    /// <summary>A webhook answered 2xx.</summary>
    public const string WebhookDelivered = "push.webhook.delivered";

    /// <summary>A transient failure (408, 429, 5xx, timeout, connection error) rescheduled with backoff.</summary>
    public const string WebhookRetried = "push.webhook.retried";

    /// <summary>Given up: a non-retryable answer (other 4xx, 3xx) or MaxAttempts used.</summary>
    public const string WebhookFailed = "push.webhook.failed";

    /// <summary>Deliver-by passed before a successful POST; never POSTed after that.</summary>
    public const string WebhookExpired = "push.webhook.expired";
}
