using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="INotificationThrottleGrain"/>
/// <remarks>
/// Every candidate is judged by the rules (<see cref="NotificationRules.Evaluate"/>); the best one every rule lets
/// through is sent. When none is, a candidate whose only failing rule is the threshold may be sent by exploration (its
/// probability logged with it). With nothing to send, the decision is a suppression with the best candidate's first
/// failing rule. Order of effects: the pushes the rules count (grain state, written on a send) → decision log
/// (durable) → push, so a failed state write leaves no "sent" in the log for a push that never went. The decision history is checkpointed, not written per decision: a repeated
/// decision id returns the stored decision and sends nothing; after a crash that lost the newest
/// history, a repeated id that was sent is still recognised by the pushes and is not counted
/// again, and the push layer refuses to send an id twice. The rules' verdict on every candidate, with the learned
/// threshold and the exploration floor, is <see cref="ThrottlePass"/>, the choice <see cref="CandidateChoice"/>
/// (src/Models/Rules); feedback is in NotificationThrottleGrain.Feedback.cs.
/// </remarks>
public sealed partial class NotificationThrottleGrain(
    [PersistentState("throttle", StorageNames.Default)] IPersistentState<ThrottleState> state,
    [PersistentState("decisions", StorageNames.Default)] IPersistentState<DecisionHistory> history,
    CheckpointScheduler checkpoints,
    RulesCache rules,
    IDecisionLog decisionLog,
    INotificationSink sink,
    DecisionCounters counters,
    IOptions<DecisionOptions> options,
    IOptions<LearningOptions> learningOptions,
    OnlinePosterior online,
    OsrClock clock,
    ILogger<NotificationThrottleGrain> logger) : Grain, INotificationThrottleGrain, ICheckpointFlushGrain, ICheckpointWriter
{
    private readonly DecisionOptions _options = options.Value;
    private readonly LearningOptions _learning = learningOptions.Value;

    private DeferredCheckpoint? _historyCheckpoint;

    private string UserId => this.GetPrimaryKeyString();

    /// <summary>The learning settings of <see cref="ThrottlePass"/>, as configured.</summary>
    private ThrottleLearning PassLearning =>
        new(_learning.Budget, _learning.BudgetMinSamples, _learning.BudgetHorizon, _learning.BudgetObserve, _learning.ExploreByTime,
            _learning.TimingLift);

    /// <summary>The decision history's checkpoint (see <see cref="DecisionHistory"/>).</summary>
    private DeferredCheckpoint HistoryCheckpoint => _historyCheckpoint ??= new DeferredCheckpoint(this, checkpoints);

    Task ICheckpointWriter.WriteCheckpointAsync() => history.WriteStateAsync();

    public Task FlushCheckpointAsync() => _historyCheckpoint?.FlushAsync() ?? Task.CompletedTask;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        HistoryCheckpoint.OnDeactivateAsync(reason);

    /// <summary>
    /// Scores the user's recent passes again under the draw this pass acted on (<see cref="BudgetRescorer"/>), with this
    /// silo's copy of the online posterior; null when the pass was not scored by the online model or rescoring is off.
    /// </summary>
    private BudgetRescorer? Rescorer(DecisionRequest request) =>
        _learning.Rescore && request.Rescore is { } d && request.PropensityVersion == OnlinePropensity.Version
            ? new BudgetRescorer(online.Current, request.Segment, d.Seed, d.Spread, d.WindowMin, d.WindowMax,
                Array.ConvertAll(request.Candidates, c => new RescoreCandidate(c.Category, c.AffinityZ)))
            : null;

    public async ValueTask<DecisionView> DecideAsync(DecisionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Candidates.Length == 0) throw new ArgumentException("a decision needs at least one candidate", nameof(request));
        var id = DecisionIds.For(UserId, request.StateUtcTicks);
        var known = history.State.Decisions.FindLast(d => d.NotificationId == id);
        if (known is not null) return known;
        using var activity = OsrTracing.Source.StartActivity(OsrTracing.Decide);

        var ruleSet = rules.Current;
        var candidates = request.Candidates;
        var n = candidates.Length;
        var sent = state.State.Sent;
        var budget = history.State.Budget;
        var zone = UserTimeZones.Resolve(request.TimeZoneId);
        var localNow = TimeZoneInfo.ConvertTime(new DateTime(request.NowUtcTicks, DateTimeKind.Utc), zone);
        // One exploration draw per decision, not per candidate: a pass explores with probability
        // explore.rate (of the best candidate that only the threshold holds back), however many it has.
        var draw = DecisionIds.Draw(id, "explore");
        // The previous pass (any decision) of this user, or the start of today for the first.
        var lastPassLocal = history.State.Decisions.Count > 0
            ? TimeZoneInfo.ConvertTime(new DateTime(history.State.Decisions[^1].DecidedAt.UtcTicks, DateTimeKind.Utc), zone)
            : localNow.Date;
        var ruleCandidates = Array.ConvertAll(candidates, c => new RuleCandidate(c.ItemId, c.Category, c.Osr, c.Factor));
        var passInput = new ThrottlePassInput(ruleSet, UserId,
            request.Segment, request.TimeZoneId, zone, ruleCandidates, sent, budget, localNow, lastPassLocal, request.NowUtcTicks,
            request.StateUtcTicks, draw, request.DrawOsr is not null, PassLearning, Rescorer(request));
        var pass = ThrottlePass.Evaluate(passInput);
        var (verdicts, osr, hardAllowed, thresholds, rates, best) = pass;

        var uncertain = request.Uncertain is not null;
        var choice = uncertain ? Choice.None : CandidateChoice.Choose(osr, hardAllowed, thresholds, rates, draw);
        var top = 0;
        for (var i = 1; i < n; i++)
            if (osr[i] > osr[top]) top = i;
        CandidateVerdict? chosen = choice.Send ? verdicts[choice.Index] : null;
        var chosenIndex = choice.Send ? choice.Index : top;
        var probability = !choice.Send ? 0
            : request.DrawOsr is { } drawOsr && drawOsr.Length % n == 0 && drawOsr.Length > 0
                ? CandidateChoice.Probability(choice.Index, drawOsr, hardAllowed,
                    ThrottlePass.RowThresholds(passInput, pass, drawOsr.Length / n) ?? thresholds, rates)
                : choice.Explored ? rates[choice.Index] : 1;
        // Recorded only now: the draw rows of the probability take the threshold over the same passes as the acting draw.
        if (!uncertain && double.IsFinite(best)) budget.Record(best, localNow, request.Rescore?.Signature ?? 0);
        CandidateVerdict? topVerdict = verdicts[top];
        var send = chosen is not null;
        var verdictUsed = chosen ?? topVerdict;
        var candidate = candidates[chosenIndex];
        var stateTime = new DateTimeOffset(request.StateUtcTicks, TimeSpan.Zero);
        var expiresAt = stateTime + _options.PushTtl;
        var explored = send && choice.Explored;
        var reason = uncertain ? DecisionOutcomes.Uncertain
            : send ? (explored ? DecisionOutcomes.Explore : "") : verdictUsed.FailedRule!.Value.Code();
        var detail = uncertain ? $"suppressed: uncertain — {request.Uncertain}" : Explain(verdictUsed, send, explored, probability);
        var view = new DecisionView(id, UserId, candidate.ItemId, candidate.Category, stateTime,
            new DateTimeOffset(request.NowUtcTicks, TimeSpan.Zero),
            send ? DecisionOutcomes.Sent : DecisionOutcomes.Suppressed, reason, detail,
            candidate.Affinity, candidate.Propensity, candidate.Raw, candidate.Osr, verdictUsed.Rules.Threshold, verdictUsed.Checks,
            request.Label, request.PropensityVersion, request.AlsVersion, request.Arm,
            probability, send ? expiresAt : null, null, request.Segment, request.Features);

        var s = state.State;
        var decisions = history.State.Decisions;
        decisions.Add(view);
        if (decisions.Count > _options.History)
        {
            var drop = decisions.Count - _options.History;
            foreach (var old in decisions.Take(drop)) s.FeedbackSeen.Remove(old.NotificationId);
            decisions.RemoveRange(0, drop);
        }
        HistoryCheckpoint.MarkDirty();
        LearnUnconverted(request.NowUtcTicks);
        if (send)
        {
            // Known already only when a crash lost the history entry after this push was stored.
            if (!s.Sent.Exists(p => p.NotificationId == id))
            {
                s.Sent.Add(new PushRecord(id, candidate.ItemId, candidate.Category, request.NowUtcTicks, candidate.Factor));
                if (s.Sent.Count > _options.SentHistory) s.Sent.RemoveRange(0, s.Sent.Count - _options.SentHistory);
            }
            await state.WriteStateAsync();
        }
        // Logged after the push is stored with the state the caps count: when that write fails (a storage error, or an
        // ETag conflict with a second activation during a rolling restart) nothing says "sent" for a push that never went.
        await decisionLog.AppendDecisionAsync(new DecisionRecord(id, UserId, candidate.ItemId, candidate.Category, request.Label,
            request.Features, request.NowUtcTicks, request.StateUtcTicks, view.Outcome, reason, candidate.Affinity, candidate.Propensity,
            candidate.Raw, candidate.Osr, view.Threshold, view.SendProbability, request.PropensityVersion, request.AlsVersion, request.Arm,
            request.Segment));

        Count(view, send);
        activity?.SetTag("osr.decision", id).SetTag("osr.outcome", view.Outcome).SetTag("osr.reason", reason);
        if (send)
        {
            var channels = Channels(verdictUsed.Rules.OptOut);
            var deliverBy = _options.ClockMode == ClockMode.Event ? clock.UtcNow + _options.PushTtl : expiresAt;
            var notification = new Notification(id, UserId, candidate.ItemId, candidate.Category, candidate.Osr, candidate.Affinity,
                candidate.Propensity, request.Label, stateTime, expiresAt);
            await sink.DeliverAsync(notification, channels, deliverBy);
            Log.Sent(logger, UserId, candidate.ItemId, id, candidate.Osr, reason);
        }
        // Dirty for about the interval: this call writes the history, so the scheduler needs no call of its own.
        await HistoryCheckpoint.WriteIfDueAsync();
        return view;
    }

    public async ValueTask<bool> ForgetAsync()
    {
        var had = state.RecordExists || history.RecordExists;
        HistoryCheckpoint.Discard();
        await state.ClearStateAsync();
        await history.ClearStateAsync();
        state.State = new ThrottleState();
        history.State = new DecisionHistory();
        DeactivateOnIdle();
        return had;
    }

    public ValueTask<DecisionView[]> GetDecisionsAsync(int max)
    {
        var decisions = history.State.Decisions;
        var n = Math.Clamp(max, 0, decisions.Count);
        var result = new DecisionView[n];
        for (var i = 0; i < n; i++) result[i] = decisions[decisions.Count - 1 - i];
        return ValueTask.FromResult(result);
    }

    private void Count(DecisionView view, bool send)
    {
        if (!send)
        {
            counters.Add(CounterNames.DecisionsSuppressedPrefix + view.Reason);
            return;
        }
        counters.Add(CounterNames.DecisionsSent);
        if (view.Reason == DecisionOutcomes.Explore) counters.Add(CounterNames.DecisionsExplored);
        counters.Add(CounterNames.NotificationsSent);
        counters.Add(CounterNames.NotificationsSent + CounterNames.ByModel + view.PropensityVersion);
        counters.Add(CounterNames.NotificationsSent + CounterNames.BySegment + (view.Segment ?? CounterNames.NoSegment));
        counters.Add(CounterNames.NotificationsSent + CounterNames.ByArm + view.Arm);
    }

    private static PushChannels Channels(OptOutState optOut)
    {
        var channels = PushChannels.All;
        if (optOut.Mqtt) channels &= ~PushChannels.Mqtt;
        if (optOut.Webhook) channels &= ~PushChannels.Webhook;
        return channels;
    }

    /// <summary>The one-line explanation: the failing rule's detail, or why it was sent.</summary>
    private static string Explain(CandidateVerdict verdict, bool send, bool explored, double probability)
    {
        var from = verdict.Rules.ThresholdLearned is { } learned ? $" ({learned})" : "";
        if (send && explored)
            return string.Create(CultureInfo.InvariantCulture, $"sent by exploration (p = {probability:0.###}): osr {verdict.Candidate.Osr:0.00} < threshold {verdict.Rules.Threshold:0.00}{from}");
        if (send) return string.Create(CultureInfo.InvariantCulture, $"sent (p = {probability:0.###}): osr {verdict.Candidate.Osr:0.00} ≥ threshold {verdict.Rules.Threshold:0.00}{from}");
        foreach (var check in verdict.Checks)
            if (!check.Passed) return $"suppressed: {check.Rule.Code()} — {check.Detail}";
        return "suppressed";
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1801, Level = LogLevel.Debug, Message = "Push to {UserId}: {ItemId} ({NotificationId}, osr {Osr:F2}) {Reason}")]
        public static partial void Sent(ILogger logger, string userId, string itemId, string notificationId, double osr, string reason);
    }
}
