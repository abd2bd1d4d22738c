// Design: the learned threshold's scores made again under the current posterior draw (docs/notifications.md
// "Budget-aware threshold", docs/decisions.md 99).
//
// * Under Thompson sampling each user-day acts on its own posterior draw. The learned threshold is a quantile of the
//   user's recent best scores, and those were made under earlier draws: on a day whose draw is more optimistic than
//   yesterday's, the first passes after quiet hours all clear yesterday's quantile and take the cap (measured: 76–78 %
//   of the morning pushes fell on such days, against 46 % of all user-days). The comparison has to be between moments
//   under one model.
// * So each recorded pass keeps its state signature (OnlinePropensity.Signature) and, per decision, every recent pass is
//   scored again for the current candidates under the current draw: per category c the best raw score is
//   p(state, c) · max z over the candidates of c (p > 0, so the best candidate of a category is its largest z), the
//   pass's best raw the largest of those, its OSR that raw normalised over the current window range — exactly how the
//   current pass was scored. The current pass is then compared with its own day's model of the user's recent moments.
// * Passes of equal signature share one computation: a day has a few dozen distinct states, so a decision costs
//   distinct states × categories × 15 cell look-ups. A pass without a signature keeps its recorded score.
namespace Osr.Orleans.Models.Scoring;

/// <summary>One candidate of the current pass as the rescorer sees it: its category and standardised affinity z.</summary>
public readonly record struct RescoreCandidate(string Category, double Z);

/// <summary>
/// Scores a user's recorded passes (<see cref="BudgetSamples"/>) again under one posterior draw of an
/// <see cref="OnlinePropensity"/> (seed and spread as the current pass used them) for the current pass's
/// <paramref name="candidates"/>, normalised over the window range [<paramref name="min"/>, <paramref name="max"/>].
/// Range of each score: [0, 1].
/// </summary>
public sealed class BudgetRescorer(OnlinePropensity model, string? segment, ulong seed, double spread, double min, double max,
    IReadOnlyList<RescoreCandidate> candidates)
{
    /// <summary>The seed of draw <paramref name="row"/> of a pass whose acting draw is <paramref name="seed"/> (row 0); the scorer draws the same.</summary>
    public static ulong RowSeed(ulong seed, int row) => seed + (ulong)row * 0x9E3779B97F4A7C15UL;

    /// <summary>This rescorer for draw <paramref name="row"/> of the same pass (<see cref="RowSeed"/>).</summary>
    public BudgetRescorer ForRow(int row) => new(model, segment, RowSeed(seed, row), spread, min, max, candidates);

    /// <summary>
    /// The OSR each of <paramref name="samples"/>' scores would have under this draw for the candidates that
    /// <paramref name="eligible"/> lets through (index-aligned with the candidates; all when empty); index-aligned with
    /// <see cref="BudgetSamples.Scores"/>. Empty when no candidate is eligible.
    /// </summary>
    public float[] Rescore(BudgetSamples samples, ReadOnlySpan<bool> eligible = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        // The best z per category among the eligible candidates (few categories: a linear list).
        var categories = new List<string>();
        var bestZ = new List<double>();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (eligible.Length > i && !eligible[i]) continue;
            var (category, z) = candidates[i];
            var at = categories.IndexOf(category);
            if (at < 0)
            {
                categories.Add(category);
                bestZ.Add(z);
            }
            else if (z > bestZ[at]) bestZ[at] = z;
        }
        if (categories.Count == 0) return [];

        var result = new float[samples.Count];
        var known = new Dictionary<int, float>();
        Span<ulong> keys = stackalloc ulong[OnlinePropensity.CellCount];
        var signatures = samples.Signatures.Length == BudgetSamples.Capacity ? samples.Signatures : null;
        for (var i = 0; i < samples.Count; i++)
        {
            var signature = signatures?[i] ?? 0;
            if (signature == 0)
            {
                result[i] = samples.Scores[i];
                continue;
            }
            if (!known.TryGetValue(signature, out var osr))
            {
                var best = double.NegativeInfinity;
                for (var c = 0; c < categories.Count; c++)
                {
                    OnlinePropensity.Cells(signature, segment, categories[c], PropensityHead.Conversion, keys);
                    best = Math.Max(best, model.Draw(keys, seed, spread) * bestZ[c]);
                }
                osr = (float)OsrScore.Normalize(best, min, max);
                known.Add(signature, osr);
            }
            result[i] = osr;
        }
        return result;
    }
}
