using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <summary>
/// The scoring pass (docs/notifications.md "When a user is scored", "The score"): when the state is scored again, the OSR
/// of the user's candidates, and the decision the throttle makes of them (<see cref="INotificationThrottleGrain.DecideAsync"/>).
/// </summary>
public sealed partial class UserStateGrain
{
    /// <summary>The rules' clock: wall time, or this user's latest event time under the event clock.</summary>
    private long RulesNow => services.Decisions.ClockMode == ClockMode.Event ? _state.State.LastReadingUtcTicks : services.Clock.UtcTicks;

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
        if (!services.Decisions.Enabled || _scoreQueued || _bank is null || services.ActiveModels.Als is null) return;
        var asOf = _state.State.LastReadingUtcTicks;
        var now = RulesNow;
        if (!_changePending)
        {
            // Without a change, the state is scored again once MaxInterval has passed: a moment can become right while
            // the features stand still (the hour, the time since a workout move on).
            var due = services.Decisions.MaxInterval > TimeSpan.Zero && _lastScoredTicks != long.MinValue && now - _lastScoredTicks >= services.Decisions.MaxInterval.Ticks;
            if (!due)
            {
                var estimate = _bank.Estimate(asOf);
                var features = FeatureExtractor.Compute(in estimate, _state.State.Profile, _tracker, asOf);
                if (DecisionFeatures.Distance(DecisionFeatures.ChangePoint(in features), _lastScoredPoint) < services.Decisions.FeatureDistance) return;
            }
            _changePending = true;
        }
        if (_lastScoredTicks != long.MinValue && now - _lastScoredTicks < services.Decisions.MinInterval.Ticks) return;
        _scoreQueued = true;
        this.AsReference<IUserStateGrain>().ScoreAsync().AsTask().Ignore();
    }

    public async ValueTask<DecisionView?> ScoreAsync()
    {
        _scoreQueued = false;
        var s = _state.State;
        if (_bank is null || s.LastReadingUtcTicks == 0) return null;
        _changePending = false;
        _lastScoredTicks = RulesNow;
        using var activity = Metrics.OsrTracing.Source.StartActivity(Metrics.OsrTracing.Score);
        activity?.SetTag("osr.user", UserId);
        var candidates = await CandidatesAsync(services.Decisions.Candidates);
        activity?.SetTag("osr.candidates", candidates.Length);
        if (candidates.Length == 0) return null;
        var pass = await ScoreCandidatesAsync(candidates, record: true);
        var features = pass.Features;
        _lastScoredPoint = DecisionFeatures.ChangePoint(in features);
        string? uncertain = null;
        if (services.Learning.Uncertainty)
        {
            var estimate = _bank.Estimate(s.LastReadingUtcTicks);
            uncertain = Osr.Orleans.Models.Scoring.UncertaintyGate.Check(in estimate, services.Learning.Bounds);
        }
        var request = new DecisionRequest(UserId, s.Profile.Segment, s.Profile.TimeZoneId, _tracker.Label.Name(), s.LastReadingUtcTicks,
            RulesNow, DecisionFeatures.ToArray(in features), pass.PropensityVersion, candidates[0].ModelVersion, pass.Arm, pass.Scored,
            pass.DrawOsr, uncertain, pass.Draw);
        DecisionView? decision;
        try
        {
            decision = await GrainFactory.GetGrain<INotificationThrottleGrain>(UserId).DecideAsync(request);
        }
        catch (Exception ex)
        {
            UserLog.DecisionFailed(services.Logger, ex, UserId);
            return null;
        }
        if (decision is not null && _watch.IsLive(services.Clock.UtcTicks)) PublishWatchEvent(decision);
        return decision;
    }

    /// <summary>What one scoring pass produced (<see cref="ScoreCandidatesAsync"/>).</summary>
    private readonly record struct ScoredPass(ScoredCandidate[] Scored, FeatureVector Features, string PropensityVersion, string Arm, double[]? DrawOsr,
        PassDraw? Draw);

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
        var s = _state.State;
        var asOf = s.LastReadingUtcTicks;
        var estimate = _bank!.Estimate(asOf);
        var features = FeatureExtractor.Compute(in estimate, s.Profile, _tracker, asOf);
        var ruleSet = services.Rules.Current;
        var arm = ruleSet.ArmOf(UserId);
        var version = arm == "b" && ruleSet.ArmBModel is { } b ? b : services.ActiveModels.Propensity;
        if (version == PropensityModel.PriorVersion && services.Learning.Online) version = OnlinePropensity.Version;
        var n = candidates.Length;
        var categories = new string[n];
        var affinities = new double[n];
        for (var i = 0; i < n; i++)
        {
            categories[i] = candidates[i].Category;
            affinities[i] = candidates[i].Affinity;
        }
        var acting = services.Learning.Acting;
        var seedKey = acting == ActingScore.Day
            ? DecisionIds.For(UserId, LocalDay(asOf, s.Profile.TimeZoneId))
            : DecisionIds.For(UserId, asOf);
        var seed = (ulong)(DecisionIds.Draw(seedKey, "thompson") * (1UL << 53));
        var request = new PropensityRequest(_tracker.Label.Name(), DecisionFeatures.ToArray(in features), categories, s.Profile.Segment,
            seed, record && ActingScores.Draws(acting) ? services.Learning.Draws : 0, ActingScores.Spread(acting, services.Learning.DrawSpread));
        PropensitySample sample;
        try
        {
            sample = await GrainFactory.GetGrain<IPropensityScorerGrain>(version).SampleAsync(request);
        }
        catch (Exception ex) when (version != PropensityModel.PriorVersion)
        {
            UserLog.PropensityFailed(services.Logger, ex, UserId, version);
            version = PropensityModel.PriorVersion;
            sample = await GrainFactory.GetGrain<IPropensityScorerGrain>(version).SampleAsync(request);
        }

        var z = new double[n];
        var raw = new double[n];
        ReadOnlySpan<double> propensity = acting == ActingScore.Mean ? sample.Mean : sample.Draws.AsSpan(0, n);
        ScoringPass.Raw(affinities, propensity, z, raw);
        var now = RulesNow;
        if (record)
            foreach (var r in raw) services.ScoreWindow.Add(r, now);
        if (!services.ScoreWindow.TryGetRange(now, out var min, out var max)) (min, max) = ScoringPass.Range(raw);
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
        // Under the online model the throttle scores the user's recent passes again under this pass's draw (the mean has none).
        var draw = version == OnlinePropensity.Version && acting != ActingScore.Mean
            ? new PassDraw(OnlinePropensity.Signature(new PropensityContext(_tracker.Label, features, s.Profile.Segment)), seed, request.Spread, min, max)
            : null;
        return new ScoredPass(scored, features, version, arm, drawOsr, draw);
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
        if (services.ActiveModels.Als is not { } version) return [];
        try
        {
            var weights = _consumed ??= await ConsumedAsync();
            var request = new CandidateRequest(UserId, _state.State.Profile.Segment, [.. weights.Keys], [.. weights.Values], count, null);
            return await GrainFactory.GetGrain<IAlsFactorCacheGrain>(version).RecommendAsync(request);
        }
        catch (Exception ex)
        {
            UserLog.CandidatesFailed(services.Logger, ex, UserId, version);
            return [];
        }
    }

    /// <summary>The user's consumed items and summed confidence weights, read once per activation and kept current by live events.</summary>
    private async Task<Dictionary<string, float>> ConsumedAsync()
    {
        var interactions = await services.Events.ReadUserInteractionsAsync(UserId, 500);
        var weights = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var i in interactions)
            weights[i.ItemId] = weights.GetValueOrDefault(i.ItemId) + services.Als.WeightOf(i.Action);
        return weights;
    }
}
