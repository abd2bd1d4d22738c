using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Live;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Scoring;
using Osr.Orleans.Models.Users;
using Orleans.Streams;

namespace Osr.Orleans.Grains;

/// <summary>Persisted state of one user: profile, devices and the last filter checkpoint.</summary>
[GenerateSerializer, Alias("osr.user-state")]
public sealed record class UserState
{
    [Id(0)] public UserProfile Profile { get; set; } = UserProfile.Default;
    [Id(1)] public List<DeviceRef> Devices { get; set; } = [];
    /// <summary>The filters as of the last checkpoint (null before the first reading).</summary>
    [Id(2)] public FilterBankState? Filters { get; set; }
    [Id(3)] public ActivityTrackerState? Activity { get; set; }
    [Id(4)] public long ReadingsApplied { get; set; }
    [Id(5)] public long LastReadingUtcTicks { get; set; }
    [Id(6)] public long CheckpointUtcTicks { get; set; }
    /// <summary>Interactions this grain stored from live events (the log is the truth).</summary>
    [Id(7)] public long InteractionsRecorded { get; set; }
    /// <summary>
    /// Highest applied <c>seq</c> per device: the dedupe position, checkpointed atomically with the filters. Like
    /// <see cref="Filters"/> only filled for a write (<see cref="PutSeqWindows"/>); the live grain keeps one
    /// <see cref="SeqWindow"/> per device instead (<see cref="TakeSeqWindows"/>), 16 bytes rather than two dictionaries.
    /// </summary>
    [Id(8)] public Dictionary<string, long>? LastSeq { get; set; }
    /// <summary>
    /// Which of the 64 seqs up to <see cref="LastSeq"/> were applied, per device (<see cref="SeqWindow.Seen"/>); added
    /// later: a device with a <see cref="LastSeq"/> but no entry here was stored before, and everything at or below
    /// its last seq counts as seen (<see cref="SeqWindow.FromLegacy"/>).
    /// </summary>
    [Id(9)] public Dictionary<string, ulong>? SeqSeen { get; set; }
    /// <summary>Audit entries stored with the change they record, until the audit log has them (<see cref="Admin.AuditOutbox"/>).</summary>
    [Id(10)] public List<AuditEntry> PendingAudit { get; set; } = [];

    /// <summary>The device's seq window as checkpointed.</summary>
    public SeqWindow SeqWindowOf(string deviceId) =>
        LastSeq?.TryGetValue(deviceId, out var last) != true ? SeqWindow.Empty
        : SeqSeen?.TryGetValue(deviceId, out var seen) == true ? new SeqWindow(last, seen)
        : SeqWindow.FromLegacy(last);

    /// <summary>
    /// The checkpointed seq window of each of <see cref="Devices"/>, in their order, and the dictionaries let go (a window
    /// of a device no longer listed has no use: a device registered again starts a new sequence epoch).
    /// </summary>
    public SeqWindow[] TakeSeqWindows()
    {
        var windows = new SeqWindow[Devices.Count];
        for (var i = 0; i < windows.Length; i++) windows[i] = SeqWindowOf(Devices[i].DeviceId);
        LastSeq = null;
        SeqSeen = null;
        return windows;
    }

    /// <summary>Fills <see cref="LastSeq"/> and <see cref="SeqSeen"/> from the windows of <see cref="Devices"/> (in their order) for a write.</summary>
    public void PutSeqWindows(ReadOnlySpan<SeqWindow> windows)
    {
        LastSeq = new(StringComparer.Ordinal);
        SeqSeen = new(StringComparer.Ordinal);
        for (var i = 0; i < windows.Length && i < Devices.Count; i++)
        {
            if (windows[i].IsEmpty) continue;
            LastSeq[Devices[i].DeviceId] = windows[i].Last;
            SeqSeen[Devices[i].DeviceId] = windows[i].Seen;
        }
    }
}

/// <inheritdoc cref="IUserStateGrain"/>
/// <remarks>
/// Readings are applied in memory, in timestamp order, to one <see cref="UserFilterBank"/>
/// shared by all of the user's devices (each with its own measurement noise); after each
/// reading the <see cref="ActivityTracker"/> sees the new estimate. The filters are written
/// to grain storage at most every <see cref="StateOptions.CheckpointInterval"/> (a one-shot
/// timer armed by the first reading after a checkpoint) and on deactivation — never per
/// reading.
/// </remarks>
public sealed partial class UserStateGrain(
    [PersistentState("user", StorageNames.Default)] IPersistentState<UserState> state,
    IOptions<StateOptions> stateOptions,
    IngestCounters counters,
    ActivationCounter activations,
    OsrClock clock,
    IEventStore events,
    ActiveModels activeModels,
    IOptions<AlsTrainingOptions> alsOptions,
    IOptions<DecisionOptions> decisionOptions,
    RulesCache rules,
    ScoreWindow scoreWindow,
    IOptions<LearningOptions> learningOptions,
    IOptions<FilterOptions> filterOptions,
    IOptions<IngestOptions> ingestOptions,
    Admin.AuditOutbox audit,
    ILogger<UserStateGrain> logger) : Grain, IUserStateGrain
{
    private readonly StateOptions _options = stateOptions.Value;
    private readonly DecisionOptions _decisions = decisionOptions.Value;
    private readonly LearningOptions _learning = learningOptions.Value;
    private readonly FilterOptions _filterOptions = filterOptions.Value;
    private Dictionary<string, float>? _consumed;
    private bool _changePending;
    private bool _scoreQueued;
    private long _lastScoredTicks = long.MinValue;
    private (double, double, double, double) _lastScoredPoint;
    private UserFilterBank? _bank;
    private readonly ActivityTracker _tracker = new();
    private RecentReadings? _recent;
    /// <summary>The seq window of each of <see cref="UserState.Devices"/>, in their order (shorter while a new device has sent nothing).</summary>
    private SeqWindow[] _seq = [];
    private DeferredCheckpoint? _checkpoint;
    private WatchLease _watch;
    private IAsyncStream<UserWatchEvent>? _watchStream;

    private string UserId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activations.UserActivated();
        var s = state.State;
        if (s.Filters is not null) _bank = UserFilterBank.Restore(s.Filters, _filterOptions);
        if (s.Activity is not null) _tracker.Restore(s.Activity);
        s.Filters = null; // the live bank is the truth now; don't keep a second copy in memory
        s.Activity = null;
        _seq = s.TakeSeqWindows(); // likewise the seq windows, one per device
        RebuildDevices();
        // Entries a crash or a refusing audit log left with their change (a profile import) go first.
        return s.PendingAudit.Count > 0 ? SettleAuditAsync() : Task.CompletedTask;
    }

    private Task SettleAuditAsync() => audit.SettleAsync(this, () => state.State.PendingAudit, CheckpointAsync);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        activations.UserDeactivated();
        await Checkpoint.OnDeactivateAsync(reason);
    }

    private DeferredCheckpoint Checkpoint => _checkpoint ??= new DeferredCheckpoint(this, _options, WriteCheckpointAsync);

    /// <summary>
    /// Applies fresh readings of the device at <paramref name="deviceIndex"/> to the filters, in time order, and keeps
    /// <paramref name="window"/> as the device's dedupe position. Under the event clock a batch with a reading beyond
    /// <see cref="EventClockBound"/> is refused whole (<see cref="RejectReason.TsJump"/>) and the window is not kept.
    /// </summary>
    private (int Applied, int OutOfOrder, RejectReason Refused) Apply(int deviceIndex, string deviceId, Reading[] readings, SeqWindow window)
    {
        if (_decisions.ClockMode == ClockMode.Event && readings.Length > 0
            && EventClockBound.FirstBeyond(readings, EventClockBound.Latest(state.State.LastReadingUtcTicks, clock.UtcTicks, _options.MaxEventLead)) >= 0)
        {
            return (0, 0, RejectReason.TsJump);
        }
        var noise = _noise[deviceIndex];
        var bank = _bank ??= new UserFilterBank(_filterOptions);
        var ordered = IsSortedByTime(readings) ? readings : SortedByTime(readings);
        var applied = 0;
        var outOfOrder = 0;
        var outliers = 0;
        var profile = state.State.Profile;
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
                UserLog.LabelChanged(logger, UserId, previous.Name(), _tracker.Label.Name());
                _changePending = true;
            }
            Remember(deviceIndex, in r);
            if (r.TimestampUtcTicks > state.State.LastReadingUtcTicks) state.State.LastReadingUtcTicks = r.TimestampUtcTicks;
        }

        if (outliers > 0) counters.FilterOutliers(outliers);
        if (readings.Length > 0)
        {
            SetSeq(deviceIndex, window);
            state.State.ReadingsApplied += applied;
            Checkpoint.MarkDirty();
            if (applied > 0) MaybeQueueScoring();
        }
        // Unwatched (nearly always), this is the live view's whole cost: one compare.
        if (_watch.Armed && _watch.TakeSnapshotSlot(clock.UtcTicks, LiveStreams.UserSnapshotInterval)) PublishWatchEvent(null);
        return (applied, outOfOrder, RejectReason.None);
    }

    public ValueTask<long> GetLastSeqAsync(string deviceId) =>
        ValueTask.FromResult(SeqOf(IndexOf(state.State.Devices, deviceId)).Last);

    /// <summary>The dedupe position of the device at <paramref name="deviceIndex"/> in <see cref="UserState.Devices"/> (empty for −1 or a device not seen yet).</summary>
    private SeqWindow SeqOf(int deviceIndex) => deviceIndex >= 0 && deviceIndex < _seq.Length ? _seq[deviceIndex] : SeqWindow.Empty;

    private void SetSeq(int deviceIndex, SeqWindow window)
    {
        if (deviceIndex >= _seq.Length)
        {
            var longer = new SeqWindow[state.State.Devices.Count];
            _seq.CopyTo(longer, 0);
            longer.AsSpan(_seq.Length).Fill(SeqWindow.Empty);
            _seq = longer;
        }
        _seq[deviceIndex] = window;
    }

    /// <summary>Forgets the dedupe position of <paramref name="deviceId"/> (a registration starts a new epoch); true when it had one.</summary>
    private bool ForgetSeq(string deviceId)
    {
        var i = IndexOf(state.State.Devices, deviceId);
        if (SeqOf(i).IsEmpty) return false;
        _seq[i] = SeqWindow.Empty;
        return true;
    }

    public async ValueTask RecordInteractionAsync(string itemId, InteractionAction action, long timestampUtcTicks, string? eventId = null)
    {
        await events.AppendInteractionsAsync([new InteractionRecord(UserId, itemId, action, timestampUtcTicks, eventId)]);
        state.State.InteractionsRecorded++;
        if (_consumed is not null) _consumed[itemId] = _consumed.GetValueOrDefault(itemId) + alsOptions.Value.WeightOf(action);
        UserLog.InteractionRecorded(logger, UserId, itemId, action.Name());
    }

    public async ValueTask SetProfileAsync(UserProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var before = state.RecordExists ? Describe(state.State.Profile) : null;
        // The profile and its audit entry together, before anything can fail: whichever write stores one stores both.
        state.State.Profile = profile;
        state.State.PendingAudit.Add(audit.NewEntry(AuditActions.UsersImport, UserId, UserId, before, Describe(profile)));
        await events.UpsertUserSegmentAsync(UserId, profile.Segment);
        await CheckpointAsync();
        await SettleAuditAsync();

        static string Describe(UserProfile p) => AuditRecords.Profile(p.Age, p.TimeZoneId, p.Segment);
    }

    public async ValueTask<UserFootprint> GetFootprintAsync()
    {
        var s = state.State;
        var devices = s.Devices.ConvertAll(d => d.DeviceId).ToArray();
        var known = state.RecordExists || _bank is not null || devices.Length > 0 || s.ReadingsApplied > 0
                    || (await events.ReadUserInteractionsAsync(UserId, 1)).Count > 0;
        return new UserFootprint(known, devices);
    }

    public async ValueTask<bool> ForgetAsync()
    {
        var had = state.RecordExists || _bank is not null;
        Checkpoint.Discard();
        // Entries still pending go to the trail first, where the erasure's last step redacts them (who and when stay).
        await audit.TryDeliverAsync(state.State.PendingAudit, () => Task.CompletedTask);
        await state.ClearStateAsync();
        state.State = new UserState();
        _bank = null;
        _recent = null;
        _seq = [];
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

    public async ValueTask<UserSnapshot> GetSnapshotAsync()
    {
        var candidates = await CandidatesAsync(_decisions.Candidates);
        var scored = candidates.Length == 0 || state.State.LastReadingUtcTicks == 0 ? [] : (await ScoreCandidatesAsync(candidates, record: false)).Scored;
        var decisions = await GrainFactory.GetGrain<INotificationThrottleGrain>(UserId).GetDecisionsAsync(10);
        var s = state.State;
        var asOf = s.LastReadingUtcTicks;
        var estimate = _bank is null || asOf == 0 ? StateEstimate.Unknown(asOf) : _bank.Estimate(asOf);
        var features = asOf == 0
            ? FeatureVector.Unknown
            : FeatureExtractor.Compute(in estimate, s.Profile, _tracker, asOf);

        var featureValues = new FeatureValue[FeatureVector.Count];
        for (var i = 0; i < featureValues.Length; i++) featureValues[i] = new(FeatureVector.Names[i], Known(features[i]));

        var snapshot = new UserSnapshot(
            UserId,
            _tracker.Label.Name(),
            _tracker.Label == ActivityLabel.Unknown ? null : Time(_tracker.LabelSinceUtcTicks),
            EstimateOf(in estimate),
            featureValues,
            RecentReadingViews(),
            [.. s.Devices],
            FilterHealthView(),
            s.Profile.Age,
            s.Profile.TimeZoneId,
            s.Profile.Segment,
            asOf == 0 ? null : Time(asOf),
            s.ReadingsApplied,
            s.CheckpointUtcTicks == 0 ? null : Time(s.CheckpointUtcTicks),
            candidates,
            scored,
            decisions);
        return snapshot;
    }

    public ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease)
    {
        var now = clock.UtcTicks;
        var fresh = !_watch.IsLive(now);
        var until = _watch.Renew(now, lease);
        // A new watcher sees the current state at once rather than after the next reading.
        if (fresh && _watch.TakeSnapshotSlot(now, LiveStreams.UserSnapshotInterval)) PublishWatchEvent(null);
        return ValueTask.FromResult(Time(until));
    }

    /// <summary>
    /// Publishes the state (and <paramref name="decision"/>, if any) to the live view's stream without waiting for it:
    /// a live view must never slow the readings down, and a lost update is followed by the next one.
    /// </summary>
    private void PublishWatchEvent(DecisionView? decision)
    {
        var s = state.State;
        var asOf = s.LastReadingUtcTicks;
        var estimate = _bank is null || asOf == 0 ? StateEstimate.Unknown(asOf) : _bank.Estimate(asOf);
        var update = new UserWatchEvent(UserId, clock.UtcNow, asOf == 0 ? null : Time(asOf), _tracker.Label.Name(), EstimateOf(in estimate),
            s.ReadingsApplied, decision);
        _watchStream ??= this.GetStreamProvider(LiveStreams.Provider).GetStream<UserWatchEvent>(StreamId.Create(LiveStreams.User, UserId));
        _watchStream.OnNextAsync(update).ContinueWith(
            t => UserLog.WatchPublishFailed(logger, t.Exception!.GetBaseException(), UserId),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The rules' clock: wall time, or this user's latest event time under the event clock.</summary>
    private long RulesNow => _decisions.ClockMode == ClockMode.Event ? state.State.LastReadingUtcTicks : clock.UtcTicks;

    /// <summary>
    /// Queues a scoring pass (as a separate grain turn, so the readings are acknowledged first)
    /// when the state changed meaningfully — the label changed, or the features moved beyond
    /// <see cref="DecisionOptions.FeatureDistance"/> — or <see cref="DecisionOptions.MaxInterval"/> has passed since the
    /// last pass, and the last pass is at least
    /// <see cref="DecisionOptions.MinInterval"/> ago on the rules' clock. A change inside the
    /// debounce window is remembered and scored once the window has passed.
    /// </summary>
    private void MaybeQueueScoring()
    {
        if (!_decisions.Enabled || _scoreQueued || _bank is null || activeModels.Als is null) return;
        var asOf = state.State.LastReadingUtcTicks;
        var now = RulesNow;
        if (!_changePending)
        {
            // Without a change, the state is scored again once MaxInterval has passed: a moment can become right while
            // the features stand still (the hour, the time since a workout move on).
            var due = _decisions.MaxInterval > TimeSpan.Zero && _lastScoredTicks != long.MinValue && now - _lastScoredTicks >= _decisions.MaxInterval.Ticks;
            if (!due)
            {
                var estimate = _bank.Estimate(asOf);
                var features = FeatureExtractor.Compute(in estimate, state.State.Profile, _tracker, asOf);
                if (DecisionFeatures.Distance(DecisionFeatures.ChangePoint(in features), _lastScoredPoint) < _decisions.FeatureDistance) return;
            }
            _changePending = true;
        }
        if (_lastScoredTicks != long.MinValue && now - _lastScoredTicks < _decisions.MinInterval.Ticks) return;
        _scoreQueued = true;
        this.AsReference<IUserStateGrain>().ScoreAsync().AsTask().Ignore();
    }

    public async ValueTask<DecisionView?> ScoreAsync()
    {
        _scoreQueued = false;
        var s = state.State;
        if (_bank is null || s.LastReadingUtcTicks == 0) return null;
        _changePending = false;
        _lastScoredTicks = RulesNow;
        using var activity = Metrics.OsrTracing.Source.StartActivity(Metrics.OsrTracing.Score);
        activity?.SetTag("osr.user", UserId);
        var candidates = await CandidatesAsync(_decisions.Candidates);
        activity?.SetTag("osr.candidates", candidates.Length);
        if (candidates.Length == 0) return null;
        var pass = await ScoreCandidatesAsync(candidates, record: true);
        var features = pass.Features;
        _lastScoredPoint = DecisionFeatures.ChangePoint(in features);
        string? uncertain = null;
        if (_learning.Uncertainty)
        {
            var estimate = _bank.Estimate(s.LastReadingUtcTicks);
            uncertain = Osr.Orleans.Models.Scoring.UncertaintyGate.Check(in estimate, _learning.Bounds);
        }
        var request = new DecisionRequest(UserId, s.Profile.Segment, s.Profile.TimeZoneId, _tracker.Label.Name(), s.LastReadingUtcTicks,
            RulesNow, DecisionFeatures.ToArray(in features), pass.PropensityVersion, candidates[0].ModelVersion, pass.Arm, pass.Scored,
            pass.DrawOsr, uncertain);
        DecisionView? decision;
        try
        {
            decision = await GrainFactory.GetGrain<INotificationThrottleGrain>(UserId).DecideAsync(request);
        }
        catch (Exception ex)
        {
            UserLog.DecisionFailed(logger, ex, UserId);
            return null;
        }
        if (decision is not null && _watch.IsLive(clock.UtcTicks)) PublishWatchEvent(decision);
        return decision;
    }

    /// <summary>What one scoring pass produced (<see cref="ScoreCandidatesAsync"/>).</summary>
    private readonly record struct ScoredPass(ScoredCandidate[] Scored, FeatureVector Features, string PropensityVersion, string Arm, double[]? DrawOsr);

    /// <summary>
    /// The OSR score of each candidate (docs/architecture.md; <see cref="ScoringPass"/>): affinity
    /// standardised over the user's candidates, times the propensity for the current state and the
    /// item's category — with the online model a posterior draw (Thompson sampling) seeded by the
    /// decision id — min–max normalised over the recent window of raw scores (this silo's copy of the
    /// cluster's window). When recording, the OSR under <see cref="LearningOptions.Draws"/> further
    /// draws is returned too, for the throttle's estimate of its choice's probability.
    /// </summary>
    private async Task<ScoredPass> ScoreCandidatesAsync(CandidateView[] candidates, bool record)
    {
        var s = state.State;
        var asOf = s.LastReadingUtcTicks;
        var estimate = _bank!.Estimate(asOf);
        var features = FeatureExtractor.Compute(in estimate, s.Profile, _tracker, asOf);
        var ruleSet = rules.Current;
        var arm = ruleSet.ArmOf(UserId);
        var version = arm == "b" && ruleSet.ArmBModel is { } b ? b : activeModels.Propensity;
        if (version == PropensityModel.PriorVersion && _learning.Online) version = OnlinePropensity.Version;
        var n = candidates.Length;
        var categories = new string[n];
        var affinities = new double[n];
        for (var i = 0; i < n; i++)
        {
            categories[i] = candidates[i].Category;
            affinities[i] = candidates[i].Affinity;
        }
        var acting = _learning.Acting;
        var seedKey = acting == ActingScore.Day
            ? DecisionIds.For(UserId, LocalDay(asOf, s.Profile.TimeZoneId))
            : DecisionIds.For(UserId, asOf);
        var seed = (ulong)(DecisionIds.Draw(seedKey, "thompson") * (1UL << 53));
        var request = new PropensityRequest(_tracker.Label.Name(), DecisionFeatures.ToArray(in features), categories, s.Profile.Segment,
            seed, record && acting is ActingScore.Pass or ActingScore.Day ? _learning.Draws : 0, acting == ActingScore.Median ? 0 : 1);
        PropensitySample sample;
        try
        {
            sample = await GrainFactory.GetGrain<IPropensityScorerGrain>(version).SampleAsync(request);
        }
        catch (Exception ex) when (version != PropensityModel.PriorVersion)
        {
            UserLog.PropensityFailed(logger, ex, UserId, version);
            version = PropensityModel.PriorVersion;
            sample = await GrainFactory.GetGrain<IPropensityScorerGrain>(version).SampleAsync(request);
        }

        var z = new double[n];
        var raw = new double[n];
        ReadOnlySpan<double> propensity = acting == ActingScore.Mean ? sample.Mean : sample.Draws.AsSpan(0, n);
        ScoringPass.Raw(affinities, propensity, z, raw);
        var now = RulesNow;
        if (record)
            foreach (var r in raw) scoreWindow.Add(r, now);
        if (!scoreWindow.TryGetRange(now, out var min, out var max)) (min, max) = ScoringPass.Range(raw);
        var osr = new double[n];
        ScoringPass.Osr(raw, min, max, osr);
        double[]? drawOsr = null;
        // Acting on the mean is deterministic: the one row of the acting scores gives the choice's probability exactly.
        if (record && acting is ActingScore.Mean or ActingScore.Median) drawOsr = [.. osr];
        else if (record && sample.Draws.Length > n)
        {
            drawOsr = new double[sample.Draws.Length];
            Span<double> rowRaw = stackalloc double[n];
            for (var r = 0; r < sample.Draws.Length / n; r++)
            {
                ScoringPass.Raw(z, sample.Draws.AsSpan(r * n, n), rowRaw);
                ScoringPass.Osr(rowRaw, min, max, drawOsr.AsSpan(r * n, n));
            }
        }
        var scored = new ScoredCandidate[n];
        for (var i = 0; i < n; i++)
            scored[i] = new ScoredCandidate(candidates[i].ItemId, candidates[i].Category, affinities[i], z[i], propensity[i], raw[i], osr[i],
                candidates[i].Factor, sample.Mean[i]);
        return new ScoredPass(scored, features, version, arm, drawOsr);
    }

    /// <summary>Ticks of the start of the local day of <paramref name="utcTicks"/> in the user's zone (the key of the day's posterior draw).</summary>
    private static long LocalDay(long utcTicks, string? timeZoneId)
    {
        var local = TimeZoneInfo.ConvertTime(new DateTime(utcTicks, DateTimeKind.Utc), UserTimeZones.Resolve(timeZoneId));
        return local.Date.Ticks;
    }

    /// <summary>
    /// Top candidates from the active ALS model: the user's consumed items (from the
    /// interaction log, so imports and live events both count) are excluded and, for a user
    /// the model has not seen, folded in — a new interaction changes the candidates at once.
    /// Empty while no model is active.
    /// </summary>
    private async Task<CandidateView[]> CandidatesAsync(int count)
    {
        if (activeModels.Als is not { } version) return [];
        try
        {
            var weights = _consumed ??= await ConsumedAsync();
            var request = new CandidateRequest(UserId, state.State.Profile.Segment, [.. weights.Keys], [.. weights.Values], count, null);
            return await GrainFactory.GetGrain<IAlsFactorCacheGrain>(version).RecommendAsync(request);
        }
        catch (Exception ex)
        {
            UserLog.CandidatesFailed(logger, ex, UserId, version);
            return [];
        }
    }

    /// <summary>The user's consumed items and summed confidence weights, read once per activation and kept current by live events.</summary>
    private async Task<Dictionary<string, float>> ConsumedAsync()
    {
        var interactions = await events.ReadUserInteractionsAsync(UserId, 500);
        var weights = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var i in interactions)
            weights[i.ItemId] = weights.GetValueOrDefault(i.ItemId) + alsOptions.Value.WeightOf(i.Action);
        return weights;
    }

    private FilterHealth[] FilterHealthView()
    {
        if (_bank is null) return [];
        var channels = Enum.GetValues<FilterChannel>();
        var result = new FilterHealth[channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            var st = _bank.Statistics(channels[i]);
            result[i] = new FilterHealth(channels[i].ToString().ToLowerInvariant(), st.Updates, st.Outliers, Known(st.MeanNis));
        }
        return result;
    }

    private ReadingView[] RecentReadingViews()
    {
        if (_recent is null) return [];
        var items = _recent.ToArray();
        var views = new ReadingView[items.Length];
        for (var k = 0; k < items.Length; k++)
        {
            var (deviceIndex, r) = items[items.Length - 1 - k]; // newest first
            var device = deviceIndex < state.State.Devices.Count ? state.State.Devices[deviceIndex].DeviceId : "?";
            views[k] = new ReadingView(device, r.Seq, r.Timestamp, Known(r.Hr), Known(r.Speed), Known(r.Cadence),
                Known(r.Acc), Known(r.Lat), Known(r.Lon));
        }
        return views;
    }

    private void Remember(int deviceIndex, in Reading r)
    {
        if (_options.RecentReadings == 0) return;
        (_recent ??= new RecentReadings(_options.RecentReadings)).Add(deviceIndex, in r);
    }

    private Task CheckpointAsync() => Checkpoint.WriteAsync();

    /// <summary>Writes the filters and label as of now; the live bank stays the only copy in memory.</summary>
    private async Task WriteCheckpointAsync()
    {
        var s = state.State;
        s.Filters = _bank?.Snapshot();
        s.Activity = _tracker.Snapshot();
        s.PutSeqWindows(_seq);
        s.CheckpointUtcTicks = clock.UtcTicks;
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            s.Filters = null;
            s.Activity = null;
            s.LastSeq = null;
            s.SeqSeen = null;
        }
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

    private static double? Known(double v) => double.IsFinite(v) ? v : null;

    private static ChannelView Channel(double value, double std) => new(Known(value), Known(std));

    private static EstimateView EstimateOf(in StateEstimate estimate) => new(
        Channel(estimate.Hr, estimate.HrStd),
        Channel(estimate.Speed, estimate.SpeedStd),
        Channel(estimate.Cadence, estimate.CadenceStd),
        Channel(estimate.Acc, estimate.AccStd),
        new PositionView(Known(estimate.Lat), Known(estimate.Lon), Known(estimate.PositionStdMetres)),
        Known(estimate.HrTrendPerMin));

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
