using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// One person, keyed by user id: the Kalman filters over every device of that user, the
/// derived features and the activity label.
/// </summary>
[Alias("osr.IUserStateGrain")]
public interface IUserStateGrain : IGrainWithStringKey
{
    /// <summary>
    /// Ingests one message's readings from <paramref name="deviceId"/> (already parsed and validated): the device's
    /// reading quota, dedupe by <c>seq</c> and the seq-jump bound, then the filters — the one grain call a reading
    /// costs. The call completes only after the readings were applied, so acknowledging the MQTT message afterwards
    /// never loses an accepted reading. Refused whole (nothing applied) for a device not attached to this user or
    /// revoked (<see cref="RejectReason.UnknownDevice"/>), over the quota, past the seq jump, or under the event
    /// clock with a reading beyond <see cref="EventClockBound"/> (<see cref="RejectReason.TsJump"/>). The array is
    /// passed without a copy (<c>[Immutable]</c>): it is sorted into a copy, never in place, and not kept once
    /// the call returns (the ingress reuses it for a later message, <see cref="Osr.Orleans.Models.Ingress.ReadingBatches"/>).
    /// </summary>
    [Alias("Ingest")]
    ValueTask<IngestResult> IngestAsync(string deviceId, [Immutable] Reading[] readings);

    /// <summary>
    /// Records one event of <paramref name="deviceId"/> (an interaction, or a notification feedback handed to the
    /// throttle); completes when the event is stored. Returns <see cref="RejectReason.None"/> or why it was refused.
    /// </summary>
    [Alias("RecordEvent")]
    ValueTask<RejectReason> RecordEventAsync(string deviceId, DeviceEvent deviceEvent);

    /// <summary>The highest <c>seq</c> of <paramref name="deviceId"/> this user applied (checkpointed with the filters), or −1.</summary>
    [Alias("GetLastSeq")]
    ValueTask<long> GetLastSeqAsync(string deviceId);

    /// <summary>
    /// Records that a device of this user exists and which kind it is (its noise profile); a (re-)registration, so
    /// the device's sequence starts a new epoch and a revoked device is accepted again.
    /// </summary>
    [Alias("AttachDevice")]
    ValueTask AttachDeviceAsync(string deviceId, string kind);

    /// <summary>Refuses the device's messages from now on (<c>devices revoke</c>) until it is attached again.</summary>
    [Alias("RevokeDevice")]
    ValueTask RevokeDeviceAsync(string deviceId);

    /// <summary>Stores an interaction of this user in the interaction log (durable when this completes).</summary>
    [Alias("RecordInteraction")]
    ValueTask RecordInteractionAsync(string itemId, InteractionAction action, long timestampUtcTicks, string? eventId = null);

    [Alias("SetProfile")]
    ValueTask SetProfileAsync(UserProfile profile);

    /// <summary>
    /// Scores the current state now (candidates × propensity → OSR) and asks the throttle for a
    /// decision; null when there is nothing to score (no state yet, no active ALS model, no
    /// candidates). The grain calls this itself on a meaningful, debounced state change.
    /// </summary>
    [Alias("Score")]
    ValueTask<DecisionView?> ScoreAsync();

    /// <summary>Everything the console shows for this user; unknown values are null.</summary>
    [Alias("GetSnapshot")]
    ValueTask<UserSnapshot> GetSnapshotAsync();

    /// <summary>
    /// Starts or renews a live view of this user for <paramref name="lease"/> (clamped to 1 s – 2 min): while it lasts
    /// the grain publishes <see cref="UserWatchEvent"/>s on stream (<see cref="LiveStreams.User"/>, user id) — the state
    /// at most every <see cref="LiveStreams.UserSnapshotInterval"/> and every decision. Returns when the lease ends.
    /// </summary>
    [Alias("Watch")]
    ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease);

    /// <summary>
    /// Whether anything of this user is stored (grain state, live filters, devices or interactions), and its
    /// devices — what <c>user show</c> and <c>users forget</c> ask before anything else.
    /// </summary>
    [Alias("GetFootprint")]
    ValueTask<UserFootprint> GetFootprintAsync();

    /// <summary>Clears this user's grain state (profile, devices, filters, dedupe positions) and deactivates; true when there was some.</summary>
    [Alias("Forget")]
    ValueTask<bool> ForgetAsync();
}

/// <summary>Whether a user is known at all, and the devices attached to it.</summary>
[GenerateSerializer, Immutable, Alias("osr.user-footprint")]
public sealed record UserFootprint(
    [property: Id(0)] bool Known,
    [property: Id(1)] string[] DeviceIds);

/// <summary>
/// Outcome of one ingested message. <see cref="Refused"/> is set when the whole message was
/// refused (unknown device, quota exceeded): nothing of it was applied.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.ingest-result")]
public readonly record struct IngestResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int OutOfOrder,
    [property: Id(3)] RejectReason Refused);
