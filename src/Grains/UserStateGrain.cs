using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Live;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;
using Orleans.Streams;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IUserStateGrain"/>
/// <remarks>
/// Readings are applied in memory, in timestamp order, to one <see cref="UserFilterBank"/>
/// shared by all of the user's devices (each with its own measurement noise); after each
/// reading the <see cref="ActivityTracker"/> sees the new estimate. The filters are written
/// to grain storage about <see cref="StateOptions.CheckpointInterval"/> after the first reading
/// after a checkpoint (<see cref="DeferredCheckpoint"/>: in a later call's turn, or at the silo's
/// <see cref="CheckpointScheduler"/>'s request) and on deactivation — never per reading. The devices' intake is in UserStateGrain.Intake.cs, the scoring pass in
/// UserStateGrain.Scoring.cs, the snapshot and live view in UserStateGrain.Views.cs.
/// </remarks>
public sealed partial class UserStateGrain(UserStateServices services) : Grain, IUserStateGrain, ICheckpointFlushGrain, ICheckpointWriter
{
    /// <summary>The state name the user's state is stored under (in <see cref="StorageNames.Default"/>).</summary>
    public const string StateName = "user";

    // Read in OnActivateAsync, before any call (StoredState.cs says why not a [PersistentState] facet).
    private readonly StoredState<UserState> _state = new(services.UserStore);
    private Dictionary<string, float>? _consumed;
    private bool _changePending;
    private bool _scoreQueued;
    private long _lastScoredTicks = long.MinValue;
    private (double, double, double, double) _lastScoredPoint;
    private UserFilterBank? _bank;
    private readonly ActivityTracker _tracker = new();
    private RecentReadings? _recent;
    private DeferredCheckpoint? _checkpoint;
    private WatchLease _watch;
    private IAsyncStream<UserWatchEvent>? _watchStream;

    private string UserId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _state.ReadAsync(this.GetGrainId());
        services.Activations.UserActivated();
        var s = _state.State;
        if (s.Filters is not null) _bank = UserFilterBank.Restore(s.Filters, services.Filter);
        if (s.Activity is not null) _tracker.Restore(s.Activity);
        s.Filters = null; // the live bank is the truth now; don't keep a second copy in memory
        s.Activity = null;
        RebuildDevices(s.TakeSeqWindows()); // likewise the seq windows, one per device
        // Entries a crash or a refusing audit log left with their change (a profile import) go first.
        if (s.PendingAudit.Count > 0) await SettleAuditAsync();
    }

    private Task SettleAuditAsync() => services.Audit.SettleAsync(this, () => _state.State.PendingAudit, CheckpointAsync);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        services.Activations.UserDeactivated();
        await Checkpoint.OnDeactivateAsync(reason);
    }

    private DeferredCheckpoint Checkpoint => _checkpoint ??= new DeferredCheckpoint(this, services.Checkpoints);

    public Task FlushCheckpointAsync() => _checkpoint?.FlushAsync() ?? Task.CompletedTask;

    /// <summary>
    /// Applies fresh readings of the device at <paramref name="deviceIndex"/> to the filters, in time order, and keeps
    /// <paramref name="window"/> as the device's dedupe position. Under the event clock a batch with a reading beyond
    /// <see cref="EventClockBound"/> is refused whole (<see cref="RejectReason.TsJump"/>) and the window is not kept.
    /// </summary>
    private (int Applied, int OutOfOrder, RejectReason Refused) Apply(int deviceIndex, string deviceId, Reading[] readings, SeqWindow window)
    {
        if (services.Decisions.ClockMode == ClockMode.Event && readings.Length > 0
            && EventClockBound.FirstBeyond(readings, EventClockBound.Latest(_state.State.LastReadingUtcTicks, services.Clock.UtcTicks, services.StateOptions.MaxEventLead)) >= 0)
        {
            return (0, 0, RejectReason.TsJump);
        }
        var noise = _slots[deviceIndex].Noise;
        var bank = _bank ??= new UserFilterBank(services.Filter);
        var ordered = IsSortedByTime(readings) ? readings : SortedByTime(readings);
        var applied = 0;
        var outOfOrder = 0;
        var outliers = 0;
        var profile = _state.State.Profile;
        foreach (ref readonly var r in ordered.AsSpan())
        {
            var previous = _tracker.Label;
            var step = UserStateStep.Apply(bank, _tracker, in r, in noise, profile);
            if (step.Stale)
            {
                outOfOrder++;
                continue;
            }
            applied++;
            if (step.Filter.HasOutliers) outliers += System.Numerics.BitOperations.PopCount((uint)step.Filter.Outliers);
            if (step.LabelChanged)
            {
                UserLog.LabelChanged(services.Logger, UserId, previous.Name(), _tracker.Label.Name());
                _changePending = true;
            }
            Remember(deviceIndex, in r);
            if (r.TimestampUtcTicks > _state.State.LastReadingUtcTicks) _state.State.LastReadingUtcTicks = r.TimestampUtcTicks;
        }

        if (outliers > 0) services.Counters.FilterOutliers(outliers);
        if (readings.Length > 0)
        {
            _slots[deviceIndex].Seq = window;
            _state.State.ReadingsApplied += applied;
            Checkpoint.MarkDirty();
            if (applied > 0) MaybeQueueScoring();
        }
        // Unwatched (nearly always), this is the live view's whole cost: one compare.
        if (_watch.Armed && _watch.TakeSnapshotSlot(services.Clock.UtcTicks, LiveStreams.UserSnapshotInterval)) PublishWatchEvent(null);
        return (applied, outOfOrder, RejectReason.None);
    }

    public ValueTask<long> GetLastSeqAsync(string deviceId) =>
        ValueTask.FromResult(SeqOf(IndexOf(_state.State.Devices, deviceId)).Last);

    /// <summary>The dedupe position of the device at <paramref name="deviceIndex"/> in <see cref="UserState.Devices"/> (empty for −1 or a device not seen yet).</summary>
    private SeqWindow SeqOf(int deviceIndex) => deviceIndex >= 0 && deviceIndex < _slots.Length ? _slots[deviceIndex].Seq : SeqWindow.Empty;

    /// <summary>Forgets the dedupe position of <paramref name="deviceId"/> (a registration starts a new epoch); true when it had one.</summary>
    private bool ForgetSeq(string deviceId)
    {
        var i = IndexOf(_state.State.Devices, deviceId);
        if (SeqOf(i).IsEmpty) return false;
        _slots[i].Seq = SeqWindow.Empty;
        return true;
    }

    public async ValueTask RecordInteractionAsync(string itemId, InteractionAction action, long timestampUtcTicks, string? eventId = null)
    {
        await services.Events.AppendInteractionsAsync([new InteractionRecord(UserId, itemId, action, timestampUtcTicks, eventId)]);
        _state.State.InteractionsRecorded++;
        if (_consumed is not null) _consumed[itemId] = _consumed.GetValueOrDefault(itemId) + services.Als.WeightOf(action);
        UserLog.InteractionRecorded(services.Logger, UserId, itemId, action.Name());
    }

    public async ValueTask SetProfileAsync(UserProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var before = _state.RecordExists ? Describe(_state.State.Profile) : null;
        // The profile and its audit entry together, before anything can fail: whichever write stores one stores both.
        _state.State.Profile = profile;
        _state.State.PendingAudit.Add(services.Audit.NewEntry(AuditActions.UsersImport, UserId, UserId, before, Describe(profile)));
        await services.Events.UpsertUserSegmentAsync(UserId, profile.Segment);
        await CheckpointAsync();
        await SettleAuditAsync();

        static string Describe(UserProfile p) => AuditRecords.Profile(p.Age, p.TimeZoneId, p.Segment);
    }

    public async ValueTask<UserFootprint> GetFootprintAsync()
    {
        var s = _state.State;
        var devices = s.Devices.ConvertAll(d => d.DeviceId).ToArray();
        var known = _state.RecordExists || _bank is not null || devices.Length > 0 || s.ReadingsApplied > 0
                    || (await services.Events.ReadUserInteractionsAsync(UserId, 1)).Count > 0;
        return new UserFootprint(known, devices);
    }

    public async ValueTask<bool> ForgetAsync()
    {
        var had = _state.RecordExists || _bank is not null;
        Checkpoint.Discard();
        // Entries still pending go to the trail first, where the erasure's last step redacts them (who and when stay).
        await services.Audit.TryDeliverAsync(_state.State.PendingAudit, () => Task.CompletedTask);
        await _state.ClearAsync(this.GetGrainId());
        _bank = null;
        _recent = null;
        _consumed = null;
        _changePending = false;
        // Nothing of the user stays in memory either until the activation goes.
        _tracker.Restore(new ActivityTrackerState());
        _watch = default;
        _lastScoredPoint = default;
        _lastScoredTicks = long.MinValue;
        RebuildDevices();
        DeactivateOnIdle();
        return had;
    }

    private void Remember(int deviceIndex, in Reading r)
    {
        if (services.StateOptions.RecentReadings == 0) return;
        (_recent ??= new RecentReadings(services.StateOptions.RecentReadings)).Add(deviceIndex, in r);
    }

    private Task CheckpointAsync() => Checkpoint.WriteAsync();

    /// <summary>Writes the filters and label as of now; the live bank stays the only copy in memory.</summary>
    async Task ICheckpointWriter.WriteCheckpointAsync()
    {
        var s = _state.State;
        s.Filters = _bank?.Snapshot();
        s.Activity = _tracker.Snapshot();
        PutSeqWindows(s);
        s.CheckpointUtcTicks = services.Clock.UtcTicks;
        try
        {
            await _state.WriteAsync(this.GetGrainId());
        }
        finally
        {
            s.Filters = null;
            s.Activity = null;
            s.LastSeq = null;
            s.SeqSeen = null;
        }
    }

    /// <summary>The devices' seq windows into <paramref name="s"/> for a write (in <see cref="UserState.Devices"/> order).</summary>
    private void PutSeqWindows(UserState s)
    {
        Span<SeqWindow> windows = _slots.Length <= 16 ? stackalloc SeqWindow[_slots.Length] : new SeqWindow[_slots.Length];
        for (var i = 0; i < windows.Length; i++) windows[i] = _slots[i].Seq;
        s.PutSeqWindows(windows);
    }

    private static bool IsSortedByTime(Reading[] readings)
    {
        for (var i = 1; i < readings.Length; i++)
            if (readings[i].TimestampUtcTicks < readings[i - 1].TimestampUtcTicks) return false;
        return true;
    }

    private static Reading[] SortedByTime(Reading[] readings)
    {
        var copy = (Reading[])readings.Clone();
        Array.Sort(copy, static (a, b) => a.TimestampUtcTicks.CompareTo(b.TimestampUtcTicks));
        return copy;
    }
}
