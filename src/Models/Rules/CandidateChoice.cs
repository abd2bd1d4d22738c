// Design: the throttle's choice among scored candidates as a pure function (docs/notifications.md
// "The rules", "Thompson sampling").
//
// * The rules are evaluated once per candidate (NotificationRules.Evaluate); every rule but the
//   threshold does not depend on the propensity draw, so a candidate is "hard-allowed" or not once
//   for all draws, and only the threshold is re-checked per draw.
// * The choice: the best OSR among the candidates every rule lets through (ties: the earlier
//   candidate); else, with probability explore.rate, the best OSR among the hard-allowed candidates
//   that only the threshold holds back; else nothing. Exploration never sends a candidate that a
//   hard rule (opt-out, quiet hours, gap, caps, re-eligibility, staleness) refuses.
// * The probability with which the policy takes an action is estimated over the M + 1 draws of the
//   pass (the acting draw included, so it is never 0 for the action taken): the share of draws whose
//   choice is that action, exploration counting explore.rate of a draw.
namespace Osr.Orleans.Models.Rules;

/// <summary>The chosen candidate (<see cref="Index"/> −1: nothing is sent) and whether exploration chose it.</summary>
public readonly record struct Choice(int Index, bool Explored)
{
    public static Choice None => new(-1, false);

    public bool Send => Index >= 0;
}

/// <summary>Chooses the candidate to push from rule verdicts and OSR scores; estimates the choice's probability.</summary>
public static class CandidateChoice
{
    /// <summary>
    /// The choice for one set of OSR scores: best OSR with <c>hardAllowed[i] ∧ osr[i] ≥ threshold[i]</c>;
    /// else, when <paramref name="exploreDraw"/> &lt; that candidate's explore.rate, best OSR with
    /// <c>hardAllowed[i] ∧ osr[i] &lt; threshold[i]</c> (finite); else none.
    /// </summary>
    public static Choice Choose(ReadOnlySpan<double> osr, ReadOnlySpan<bool> hardAllowed, ReadOnlySpan<double> thresholds,
        ReadOnlySpan<double> exploreRates, double exploreDraw)
    {
        if (exploreRates.Length != hardAllowed.Length) throw new ArgumentException("one explore rate per candidate.", nameof(exploreRates));
        var (pass, explore) = Best(osr, hardAllowed, thresholds);
        if (pass >= 0) return new Choice(pass, false);
        if (explore >= 0 && exploreDraw < exploreRates[explore]) return new Choice(explore, true);
        return Choice.None;
    }

    /// <summary>
    /// P(the policy takes <paramref name="action"/>) (a candidate index, or −1 for sending nothing)
    /// estimated over the draws: <paramref name="drawOsr"/> holds one row of OSR scores per draw
    /// (row-major, <paramref name="hardAllowed"/>.Length columns). Per row the rules choose a candidate
    /// (mass 1), or exploration chooses one (mass explore.rate, the rest to "nothing"), or nothing (mass 1).
    /// <paramref name="thresholds"/> holds one threshold per candidate for every row, or one row of them per draw (a learned
    /// threshold depends on the draw when the recent passes are scored again under it). Range: [0, 1].
    /// </summary>
    public static double Probability(int action, ReadOnlySpan<double> drawOsr, ReadOnlySpan<bool> hardAllowed,
        ReadOnlySpan<double> thresholds, ReadOnlySpan<double> exploreRates)
    {
        if (exploreRates.Length != hardAllowed.Length) throw new ArgumentException("one explore rate per candidate.", nameof(exploreRates));
        var n = hardAllowed.Length;
        if (n == 0 || drawOsr.Length == 0 || drawOsr.Length % n != 0)
            throw new ArgumentException("drawOsr must hold whole rows of one score per candidate.", nameof(drawOsr));
        var rows = drawOsr.Length / n;
        if (thresholds.Length != n && thresholds.Length != rows * n)
            throw new ArgumentException("one threshold per candidate, or one per candidate and draw.", nameof(thresholds));
        var mass = 0.0;
        for (var r = 0; r < rows; r++)
        {
            var (pass, explore) = Best(drawOsr.Slice(r * n, n), hardAllowed, thresholds.Length == n ? thresholds : thresholds.Slice(r * n, n));
            if (pass >= 0)
            {
                if (pass == action) mass += 1;
            }
            else if (explore >= 0)
            {
                if (explore == action) mass += exploreRates[explore];
                else if (action < 0) mass += 1 - exploreRates[explore];
            }
            else if (action < 0)
            {
                mass += 1;
            }
        }
        return mass / rows;
    }

    private static (int Pass, int Explore) Best(ReadOnlySpan<double> osr, ReadOnlySpan<bool> hardAllowed, ReadOnlySpan<double> thresholds)
    {
        if (osr.Length != hardAllowed.Length || thresholds.Length != hardAllowed.Length)
            throw new ArgumentException("one score, one verdict and one threshold per candidate.");
        int pass = -1, explore = -1;
        for (var i = 0; i < osr.Length; i++)
        {
            if (!hardAllowed[i] || !double.IsFinite(osr[i])) continue;
            if (osr[i] >= thresholds[i])
            {
                if (pass < 0 || osr[i] > osr[pass]) pass = i;
            }
            else if (explore < 0 || osr[i] > osr[explore])
            {
                explore = i;
            }
        }
        return (pass, explore);
    }

    /// <summary>True when every check but the threshold passed: what exploration may relax.</summary>
    public static bool HardAllowed(CandidateVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        foreach (var check in verdict.Checks)
            if (!check.Passed && check.Rule != RuleName.Threshold) return false;
        return true;
    }
}
