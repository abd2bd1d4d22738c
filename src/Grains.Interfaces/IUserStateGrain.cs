using Osr.Orleans.Models.Catalog;
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
    /// Applies a batch of readings from one device (sorted by time here). Returns how many
    /// were applied and how many were too far behind the filter's clock to apply. The array is
    /// passed without a copy (<c>[Immutable]</c>): it is sorted into a copy, never in place.
    /// Under the event clock a batch with a reading beyond <see cref="EventClockBound"/> is refused whole
    /// (<see cref="RejectReason.TsJump"/>). Every seq of the batch is marked in the device's seq window.
    /// </summary>
    [Alias("Apply")]
    ValueTask<BatchApplyResult> ApplyAsync(string deviceId, [Immutable] Reading[] readings);

    /// <summary>The highest <c>seq</c> of <paramref name="deviceId"/> this user applied (checkpointed with the filters), or −1.</summary>
    [Alias("GetLastSeq")]
    ValueTask<long> GetLastSeqAsync(string deviceId);

    /// <summary>The device's dedupe position: its last seq and which of the 64 seqs up to it were applied.</summary>
    [Alias("GetSeqWindow")]
    ValueTask<SeqWindow> GetSeqWindowAsync(string deviceId);

    /// <summary>Records that a device of this user exists and which kind it is (its noise profile).</summary>
    [Alias("AttachDevice")]
    ValueTask AttachDeviceAsync(string deviceId, string kind);

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

/// <summary>What <see cref="IUserStateGrain.ApplyAsync"/> did; <see cref="Refused"/> other than none: nothing was applied.</summary>
[GenerateSerializer, Immutable, Alias("osr.batch-apply-result")]
public readonly record struct BatchApplyResult(
    [property: Id(0)] int Applied,
    [property: Id(1)] int OutOfOrder,
    [property: Id(2)] RejectReason Refused = RejectReason.None);
