namespace Osr.Orleans.Grains.Storage;

/// <summary>State of an outbox entry.</summary>
public enum OutboxState
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
    Expired = 3,
}

/// <summary>One notification × one webhook, as the outbox holds it.</summary>
public sealed record OutboxEntry(
    string NotificationId,
    string Url,
    OutboxState State,
    int Attempts,
    DateTimeOffset DeliverBy,
    DateTimeOffset NextAttempt,
    int? LastStatus,
    string? LastError);

/// <summary>
/// What one enqueue stores: an entry per webhook URL (when <see cref="Urls"/> is not empty) and the
/// fact that MQTT was handed <see cref="NotificationId"/> (when <see cref="Mqtt"/>).
/// </summary>
public sealed record OutboxEnqueue(string NotificationId, byte[] Body, long DeliverByUtcTicks, long NowUtcTicks, string[] Urls, bool Mqtt);

/// <summary>What one enqueue stored: webhook entries newly queued, and whether MQTT was not handed this id before.</summary>
public readonly record struct OutboxEnqueueResult(int WebhooksQueued, bool MqttFirst);

/// <summary>A pending entry due for an attempt, claimed by one delivery loop until its lease ends.</summary>
public sealed record OutboxDueEntry(string NotificationId, string Url, byte[] Body, long DeliverByUtcTicks, int Attempts);

/// <summary>
/// The result of one attempt: <see cref="State"/> Pending means "try again at
/// <see cref="NextAttemptUtcTicks"/>"; any other state is final.
/// </summary>
public sealed record OutboxOutcome(string NotificationId, string Url, OutboxState State, int Attempts, long NextAttemptUtcTicks,
    int? LastStatus, string? LastError);

/// <summary>An entry the store marked expired (its deliver-by time passed while it was pending).</summary>
public sealed record OutboxExpiredEntry(string NotificationId, string Url, long DeliverByUtcTicks, int Attempts);

/// <summary>
/// The webhook outbox's table (docs/architecture.md "Reliability rules"): one row per
/// (notification id, webhook URL) and the ids already handed to MQTT. Inserts are idempotent:
/// a notification is queued once per webhook and marked published once, whatever the caller repeats.
/// Writes complete only when durable; no method blocks the calling thread. Several delivery loops
/// (one per silo) may share one store: <see cref="ClaimDueAsync"/> hands each due entry to one of them.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Where the rows live, for the log (a file path, or the PostgreSQL database name).</summary>
    string Location { get; }

    /// <summary>Stores the webhook entries and the MQTT marker of <paramref name="request"/> in one transaction.</summary>
    Task<OutboxEnqueueResult> EnqueueAsync(OutboxEnqueue request, CancellationToken cancellationToken = default);

    /// <summary>Marks pending entries with deliver-by ≤ now expired; returns them.</summary>
    Task<IReadOnlyList<OutboxExpiredEntry>> ExpireDueAsync(long nowUtcTicks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="max"/> pending entries with next attempt ≤ now, oldest due first, each
    /// moved to next attempt = <paramref name="leaseUntilUtcTicks"/> so that no other loop takes it
    /// before its outcome is recorded (or, if this loop dies, until the lease ends).
    /// </summary>
    Task<IReadOnlyList<OutboxDueEntry>> ClaimDueAsync(long nowUtcTicks, long leaseUntilUtcTicks, int max, CancellationToken cancellationToken = default);

    /// <summary>Records attempts' outcomes in one transaction (only entries still pending are changed).</summary>
    Task RecordAsync(IReadOnlyList<OutboxOutcome> outcomes, long nowUtcTicks, CancellationToken cancellationToken = default);

    /// <summary>The earliest time a pending entry needs attention (next attempt or deliver-by), or null when none is pending.</summary>
    Task<long?> NextWakeAsync(CancellationToken cancellationToken = default);

    Task<long> CountPendingAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes finished entries and MQTT markers older than <paramref name="cutoffUtcTicks"/>; returns the entries deleted.</summary>
    Task<int> PruneAsync(long cutoffUtcTicks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the entries (whatever their state) and the MQTT markers of <paramref name="notificationIds"/>
    /// in one transaction; returns the entries deleted. Ids with no rows are ignored.
    /// </summary>
    Task<long> ForgetNotificationsAsync(IReadOnlyCollection<string> notificationIds, CancellationToken cancellationToken = default);

    /// <summary>The entries of one notification (or all when null), oldest first.</summary>
    Task<IReadOnlyList<OutboxEntry>> ReadEntriesAsync(string? notificationId = null, CancellationToken cancellationToken = default);
}
