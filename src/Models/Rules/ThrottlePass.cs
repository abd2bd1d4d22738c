// Design: the throttle's evaluation of one decision's candidates as a pure function (docs/notifications.md "The rules",
// "Budget-aware threshold").
//
// * Per candidate: the rules in force (RuleSet.Resolve), with the user's learned threshold (BudgetThreshold) where no
//   administrator set a threshold at any scope that applies to it (the default threshold, ThresholdFrom global, and no
//   global override); when the pass comes with draw rows (every recorded pass does, whichever model serves), while too few
//   recent passes are known to learn it, a threshold no OSR reaches (observing: only exploration sends). Then the verdict
//   (NotificationRules.Evaluate), whether only the threshold can hold it back (CandidateChoice.HardAllowed) and its
//   exploration chance (explore.rate, or with draw rows the floor of ExplorationFloor).
// * The learned threshold is computed once, for the first candidate whose threshold is the global one: the pushes left
//   today count against that candidate's cap.day.
// * Best: the highest OSR among the candidates that opt-out, quiet hours and staleness let through, whatever the other
//   rules say — the score this pass could have sent, which the learned threshold is learned from. A candidate that
//   gap.similar or re-eligibility holds back still counts, and so does it when passes are scored again: the bar is the
//   user's best candidate at its best moments, and a second-choice item goes out only where it scores as high. Taking
//   the bar over the sendable candidates alone spent the cap 2.5 times as often at 1.1× instead of 1.5× (decision 100).
// * The timing gate (TimingLift λ > 0, under a rescorer): the quantile alone sends at the top of the user's day even when
//   the model sees nothing special in it (a category whose propensity hardly varies with the state). So where the
//   learned threshold applies, a candidate also needs an OSR at least the one it would score at λ times its category's
//   average recent propensity under the same draw (BudgetRescorer.AverageMoment): a push by score must be expected to
//   be worth λ pushes at a random waking moment of the user's recent day for that item, which is what state-blind timing
//   would give. At λ = 1 a moment exactly at its average passes (GateSlack).
// * The caller supplies every clock and draw (the rules' clock, the user's local time, the exploration draw), so the
//   same inputs always give the same result; CandidateChoice then chooses from it.
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Models.Rules;

/// <summary>The learning settings the throttle's pass uses (docs/notifications.md, the <c>Osr:Learning:</c> keys of the same names).</summary>
/// <param name="Budget">Learn each user's threshold where no administrator set one.</param>
/// <param name="BudgetMinSamples">Recent passes before the learned threshold applies (<see cref="BudgetThreshold.RequiredSamples"/>).</param>
/// <param name="BudgetHorizon">Only scores this recent count (zero: all kept).</param>
/// <param name="BudgetObserve">When the scores come with draw rows (<see cref="ThrottlePassInput.HasPosterior"/>), send nothing by score before the learned threshold applies.</param>
/// <param name="ExploreByTime">Spread the exploration floor over waking time rather than over passes.</param>
/// <param name="TimingLift">Under a rescorer, a learned threshold is never below the OSR at this many times the candidate's average recent moment (<see cref="BudgetRescorer.AverageMoment"/>); 0: no timing gate.</param>
public readonly record struct ThrottleLearning(bool Budget, int BudgetMinSamples, TimeSpan BudgetHorizon, bool BudgetObserve, bool ExploreByTime,
    double TimingLift = 0);

/// <summary>One decision's candidates and what the rules need of the user's past and present.</summary>
/// <param name="Rules">The rule set in force.</param>
/// <param name="UserId">The user, for <see cref="RuleSet.Resolve"/>.</param>
/// <param name="Segment">The user's segment, for <see cref="RuleSet.Resolve"/>.</param>
/// <param name="TimeZoneId">The user's IANA zone as given (for <see cref="NotificationRules.Evaluate"/>).</param>
/// <param name="Zone">That zone resolved.</param>
/// <param name="Candidates">The scored candidates, in the order the results keep.</param>
/// <param name="Sent">The pushes that count for gaps, caps and re-eligibility.</param>
/// <param name="Budget">The user's recent best scores and passes per hour.</param>
/// <param name="LocalNow">The rules' clock in the user's zone.</param>
/// <param name="LastPassLocal">The user's previous pass in the user's zone (the start of today for the first).</param>
/// <param name="NowUtcTicks">The rules' clock.</param>
/// <param name="StateUtcTicks">Event time of the scored state.</param>
/// <param name="ExploreDraw">The decision's one uniform exploration draw in [0, 1).</param>
/// <param name="HasPosterior">The request carries draw rows (<c>DecisionRequest.DrawOsr</c>), as every recorded pass does: the online model's posterior draws, one row of the acting scores under <c>Acting</c> Mean or Median, or a batch model's or the prior's score repeated.</param>
/// <param name="Learning">The learning settings.</param>
/// <param name="Rescorer">Makes the recorded scores again under the current pass's posterior draw for the learned threshold (null: the scores as recorded).</param>
public sealed record ThrottlePassInput(
    RuleSet Rules,
    string UserId,
    string? Segment,
    string TimeZoneId,
    TimeZoneInfo Zone,
    IReadOnlyList<RuleCandidate> Candidates,
    IReadOnlyList<PushRecord> Sent,
    BudgetSamples Budget,
    DateTime LocalNow,
    DateTime LastPassLocal,
    long NowUtcTicks,
    long StateUtcTicks,
    double ExploreDraw,
    bool HasPosterior,
    ThrottleLearning Learning,
    BudgetRescorer? Rescorer = null);

/// <summary>
/// Per candidate, in input order: the verdict, its OSR, whether every rule but the threshold passed, the threshold and the
/// exploration chance (the inputs of <see cref="CandidateChoice"/>); and the best OSR that opt-out, quiet hours and
/// staleness let through (NaN: none).
/// </summary>
public sealed record ThrottlePassResult(CandidateVerdict[] Verdicts, double[] Osr, bool[] HardAllowed, double[] Thresholds,
    double[] ExploreRates, double Best)
{
    /// <summary>What the learned threshold was computed from, when it was computed over rescored passes (null otherwise).</summary>
    public RescoredThreshold? Rescored { get; init; }
}

/// <summary>The inputs of a learned threshold taken over rescored passes, to take it again under another draw of the pass.</summary>
/// <param name="PushesLeft">Pushes left today.</param>
/// <param name="CapDay">The cap it counts against.</param>
/// <param name="RequiredSamples">Recent passes it needs.</param>
/// <param name="UsesLearned">Per candidate: its threshold is the learned one.</param>
/// <param name="QuietStart">Start of the quiet hours it was taken under.</param>
/// <param name="QuietEnd">End of the quiet hours it was taken under.</param>
public sealed record RescoredThreshold(int PushesLeft, int CapDay, int RequiredSamples, bool[] UsesLearned, TimeOnly QuietStart, TimeOnly QuietEnd);

/// <summary>Evaluates the rules for every candidate of one decision, with the learned threshold and the exploration floor.</summary>
public static class ThrottlePass
{
    /// <summary>The threshold while a user's own scores are still being observed: above every OSR (OSR ≤ 1).</summary>
    public static readonly double Unreachable = Math.BitIncrement(1.0);

    /// <summary>
    /// Slack of the timing gate: a moment scoring its average scores it up to rounding (the quantile is kept as a float),
    /// and a user whose state never changed is not held back by that.
    /// </summary>
    private const double GateSlack = 1e-6;

    private static string TimingText(double gate, double lift) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"; timing: not below {lift:0.##}× its average recent moment, OSR {gate:0.###}");

    /// <summary>
    /// The timing gate's threshold for candidate <paramref name="i"/> under the rescorer's last draw (its OSR at
    /// <paramref name="lift"/> × its average recent moment, less <see cref="GateSlack"/>) where it is above
    /// <paramref name="learned"/>; NaN where the gate is off (lift 0), the candidate has no average moment, or the learned
    /// threshold is already higher.
    /// </summary>
    private static double TimingGate(BudgetRescorer rescorer, int i, double lift, double learned) =>
        lift > 0 && rescorer.AverageMoment(i, lift) - GateSlack is var gate && gate > learned ? gate : double.NaN;

    private static string ObservingText(int seen, int required) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"learning: observing {seen} of {required} passes before sending by score");

    /// <summary>The verdict and choice inputs of every candidate of <paramref name="input"/> (see the file's design notes).</summary>
    public static ThrottlePassResult Evaluate(ThrottlePassInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (ruleSet, userId, segment, timeZoneId, zone, candidates, sent, budget, localNow, lastPassLocal, nowUtcTicks, stateUtcTicks,
            draw, posterior, learning, rescorer) = input;
        var n = candidates.Count;
        var learnThreshold = learning.Budget && !ruleSet.HasGlobalThreshold;
        LearnedThreshold? learned = null;
        string? learnedText = null;
        var verdicts = new CandidateVerdict[n];
        var osr = new double[n];
        var hardAllowed = new bool[n];
        var thresholds = new double[n];
        var rates = new double[n];
        var passesPerDay = BudgetThreshold.PassesPerDay(budget, localNow);
        var requiredSamples = BudgetThreshold.RequiredSamples(learning.BudgetMinSamples, passesPerDay, learning.BudgetHorizon);
        var best = double.NaN;
        var left = 0;
        bool[]? usesLearned = null;
        var learnedCap = 0;
        var rescored = false;
        TimeOnly quietStart = default, quietEnd = default;
        // The exploration basis with draw rows (ExplorationFloor), unbounded here: each candidate takes its own
        // cap.day as the bound, and as the basis while no whole day has been seen.
        var pushesPerDay = !posterior ? double.NaN
            : ExplorationFloor.PushesPerDay(sent, DateOnly.FromDateTime(localNow), zone, budget.FirstDay, int.MaxValue);
        for (var i = 0; i < n; i++)
        {
            var c = candidates[i];
            var effective = ruleSet.Resolve(userId, segment, c.ItemId, c.Category);
            if (learnThreshold && effective.ThresholdFrom == RuleScopeKind.Global)
            {
                if (i == 0 || learned is null && learnedText is null)
                {
                    left = effective.CapDay - BudgetThreshold.SentOn(sent, DateOnly.FromDateTime(localNow), zone);
                    learnedCap = effective.CapDay;
                    // Under a rescorer the threshold compares this pass with the user's recent passes scored under this
                    // pass's posterior draw, for the candidates the user has not opted out of (what the recorded best
                    // scores were taken over); only when a learned threshold can apply at all.
                    float[]? scores = null;
                    if (rescorer is not null && left > 0 && BudgetThreshold.Recent(budget, localNow, learning.BudgetHorizon) >= requiredSamples)
                    {
                        var eligible = new bool[n];
                        for (var k = 0; k < n; k++)
                            eligible[k] = !ruleSet.OptOutOf(userId, candidates[k].Category).BlocksPush;
                        scores = rescorer.Rescore(budget, eligible, localNow, learning.BudgetHorizon);
                    }
                    learned = BudgetThreshold.Compute(budget, localNow, left, effective.CapDay, requiredSamples, learning.BudgetHorizon, scores,
                        effective.QuietStart, effective.QuietEnd);
                    (quietStart, quietEnd) = (effective.QuietStart, effective.QuietEnd);
                    rescored = scores is not null && learned is not null;
                    learnedText = learned is { } l ? BudgetThreshold.Describe(in l, rescored) : "";
                    if (rescored) usesLearned = new bool[n];
                }
                if (learned is { } t)
                {
                    var gate = rescored ? TimingGate(rescorer!, i, learning.TimingLift, t.Threshold) : double.NaN;
                    effective = double.IsNaN(gate)
                        ? effective with { Threshold = t.Threshold, ThresholdLearned = learnedText }
                        : effective with { Threshold = gate, ThresholdLearned = learnedText + TimingText(gate, learning.TimingLift) };
                    if (usesLearned is not null) usesLearned[i] = true;
                }
                else if (learning.BudgetObserve && posterior && left > 0
                    && BudgetThreshold.Recent(budget, localNow, learning.BudgetHorizon) is var seen && seen < requiredSamples)
                    effective = effective with { Threshold = Unreachable, ThresholdLearned = ObservingText(seen, requiredSamples) };
            }
            var verdict = NotificationRules.Evaluate(c, effective, timeZoneId, sent, nowUtcTicks, stateUtcTicks, draw);
            verdicts[i] = verdict;
            osr[i] = c.Osr;
            hardAllowed[i] = CandidateChoice.HardAllowed(verdict);
            thresholds[i] = effective.Threshold;
            // With draw rows explore.rate is a floor: about that share of the user's pushes (ExplorationFloor),
            // spread evenly over waking time (ExploreByTime), so that states whose passes come often (the state keeps
            // changing) are not explored more than calm ones, or per pass scaled by pushes / passes a day. Also before
            // the learned threshold applies (the first passes), so that the floor does not spend the cap at the first
            // allowed moments of the first day.
            rates[i] = !posterior ? effective.ExploreRate
                : learning.ExploreByTime
                ? ExplorationFloor.ExploreChance(effective.ExploreRate, Math.Min(pushesPerDay, effective.CapDay),
                    ExplorationFloor.WakingHoursPerDay(effective.QuietStart, effective.QuietEnd),
                    ExplorationFloor.WakingHoursBetween(lastPassLocal, localNow, effective.QuietStart, effective.QuietEnd))
                : ExplorationFloor.ExploreFloor(effective.ExploreRate, Math.Min(pushesPerDay, effective.CapDay), passesPerDay);
            if (verdict.Checks[(int)RuleName.OptOut].Passed && verdict.Checks[(int)RuleName.QuietHours].Passed
                && verdict.Checks[(int)RuleName.Staleness].Passed && !(c.Osr <= best))
                best = c.Osr;
        }
        return new ThrottlePassResult(verdicts, osr, hardAllowed, thresholds, rates, best)
        {
            Rescored = rescored ? new RescoredThreshold(left, learnedCap, requiredSamples, usesLearned!, quietStart, quietEnd) : null,
        };
    }

    /// <summary>
    /// Every candidate's threshold under each of <paramref name="rows"/> draws of the pass (row-major, row 0 the acting
    /// draw), for <see cref="CandidateChoice.Probability"/>: a learned threshold taken over rescored passes is taken again
    /// with the passes rescored under each draw (<see cref="BudgetRescorer.RescoreRow"/>, the rescorer that
    /// <see cref="Evaluate"/> used); other thresholds are the same in every row. Null when the learned threshold does not
    /// depend on the draw. Costs a rescoring per row: for sends only.
    /// </summary>
    public static double[]? RowThresholds(ThrottlePassInput input, ThrottlePassResult result, int rows)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(result);
        if (input.Rescorer is not { } rescorer || result.Rescored is not { } basis || rows < 1) return null;
        var n = result.Thresholds.Length;
        var all = new double[rows * n];
        for (var r = 0; r < rows; r++)
        {
            double? learned = null;
            if (r > 0)
                learned = BudgetThreshold.Compute(input.Budget, input.LocalNow, basis.PushesLeft, basis.CapDay, basis.RequiredSamples,
                    input.Learning.BudgetHorizon, rescorer.RescoreRow(r), basis.QuietStart, basis.QuietEnd)?.Threshold;
            for (var i = 0; i < n; i++)
            {
                if (r == 0 || !basis.UsesLearned[i] || learned is not { } t) all[r * n + i] = result.Thresholds[i];
                else all[r * n + i] = TimingGate(rescorer, i, input.Learning.TimingLift, t) is var gate && !double.IsNaN(gate) ? gate : t;
            }
        }
        return all;
    }
}
