using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Silo.Push;

internal static partial class PushLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Webhook outbox {Path} open: {Pending} pending entr(y/ies), {Webhooks} webhook(s) configured")]
    public static partial void OutboxStarted(ILogger logger, string path, long pending, int webhooks);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Notification {NotificationId} queued for {Count} webhook(s)")]
    public static partial void Queued(ILogger logger, string notificationId, int count);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Notification {NotificationId} delivered to {Url} (HTTP {Status}, attempt {Attempt})")]
    public static partial void Delivered(ILogger logger, string notificationId, string url, int status, int attempt);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Notification {NotificationId} to {Url}: attempt {Attempt} failed ({Error}); next attempt in {Delay}")]
    public static partial void Retrying(ILogger logger, string notificationId, string url, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Notification {NotificationId} to {Url} failed after {Attempt} attempt(s): {Error}")]
    public static partial void Failed(ILogger logger, string notificationId, string url, int attempt, string error);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Notification {NotificationId} to {Url} expired undelivered (deliver-by {DeliverBy:O}, {Attempts} attempt(s))")]
    public static partial void Expired(ILogger logger, string notificationId, string url, DateTimeOffset deliverBy, int attempts);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Error, Message = "Webhook outbox loop failed; retrying in {Delay}")]
    public static partial void LoopFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Debug, Message = "Notification {NotificationId} published on {Topic}")]
    public static partial void MqttPublished(ILogger logger, string notificationId, string topic);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Debug, Message = "Notification {NotificationId} not published on MQTT: deliver-by {DeliverBy:O} has passed")]
    public static partial void MqttExpired(ILogger logger, string notificationId, DateTimeOffset deliverBy);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Debug, Message = "Notification {NotificationId} was already handed to MQTT; not published again")]
    public static partial void MqttDuplicate(ILogger logger, string notificationId);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Debug, Message = "Removed {Count} finished outbox entr(y/ies) older than {Cutoff:O}")]
    public static partial void Pruned(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Error, Message = "Outbox write failed")]
    public static partial void WriteFailed(ILogger logger, Exception exception);
}
