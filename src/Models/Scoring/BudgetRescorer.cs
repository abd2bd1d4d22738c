// Design: the learned threshold's scores made again under the current posterior draw (docs/notifications.md
// "Budget-aware threshold", docs/decisions.md 99).
//
// * Under Thompson sampling each user-day acts on its own posterior draw. The learned threshold is a quantile of the
//   user's recent best scores, and those were made under earlier draws: on a day whose draw is more optimistic than
//   yesterday's, the first passes after quiet hours all clear yesterday's quantile and take the cap (measured: 76–78 %
//   of the morning pushes fell on such days, against 46–48 % of all user-days). The comparison has to be between moments
//   under one model.
// * So each recorded pass keeps its state signature (OnlinePropensity.Signature) and, per decision, every recent pass is
//   scored again for the current candidates under the current draw: per category c the best raw score is
//   p(state, c) · max z over the candidates of c (p > 0, so the best candidate of a category is its largest z), the
//   pass's best raw the largest of those, its OSR that raw normalised over the current window range — exactly how the
//   current pass was scored. The current pass is then compared with its own day's model of the user's recent moments.
// * Passes of equal signature share one computation: a day has a few dozen distinct states, so a decision costs
//   distinct states × categories × 15 cell look-ups. A pass without a signature keeps its recorded score.
// * The same draw also gives each candidate's average moment (AverageMoment, docs/notifications.md
//   "The timing gate"): the OSR it would score at the propensity its category has on average over the recent
//   passes, each pass weighted by the time until the next one (at most MomentSpan), because state-blind timing picks a
//   moment uniformly in waking time while passes come more often when the state changes.
namespace Osr.Orleans.Models.Scoring;

/// <summary>One candidate of the current pass as the rescorer sees it: its category and standardised affinity z.</summary>
public readonly record struct RescoreCandidate(string Category, double Z);

/// <summary>
/// Scores a user's recorded passes (<see cref="BudgetSamples"/>) again under one posterior draw of an
/// <see cref="OnlinePropensity"/> (seed and spread as the current pass used them) for the current pass's
/// <paramref name="candidates"/>, normalised over the window range [<paramref name="min"/>, <paramref name="max"/>];
/// <see cref="RescoreRow"/> does the same under the pass's further draws. Range of each score: [0, 1].
/// One instance serves one decision (it keeps what <see cref="Rescore"/> prepared for the rows); not thread-safe.
/// </summary>
public sealed class BudgetRescorer(OnlinePropensity model, string? segment, ulong seed, double spread, double min, double max,
    IReadOnlyList<RescoreCandidate> candidates)
{
    private const int Cells = OnlinePropensity.CellCount;
    private readonly double _spread = Math.Clamp(double.IsFinite(spread) ? spread : 1, 0, 1);
    private Prepared? _prepared;

    /// <summary>The longest time one recorded pass stands for in <see cref="AverageMoment"/> (the gap to the next pass, capped: no pass is recorded in quiet hours, nor while the state is uncertain).</summary>
    public static readonly TimeSpan MomentSpan = TimeSpan.FromHours(1);

    /// <summary>The seed of draw <paramref name="row"/> of a pass whose acting draw is <paramref name="seed"/> (row 0); the scorer draws the same.</summary>
    public static ulong RowSeed(ulong seed, int row) => seed + (ulong)row * 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// Under the acting draw, the OSR each of <paramref name="samples"/>' scores recorded within <paramref name="horizon"/>
    /// before <paramref name="localNow"/> (all when the horizon is not positive) would have for the candidates that
    /// <paramref name="eligible"/> lets through (index-aligned with the candidates; all when empty); index-aligned with
    /// <see cref="BudgetSamples.Scores"/>, older samples and samples without a signature as recorded. Null when no
    /// candidate is eligible or no recent sample has a signature (nothing to score again).
    /// </summary>
    public float[]? Rescore(BudgetSamples samples, ReadOnlySpan<bool> eligible, DateTime localNow, TimeSpan horizon)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _prepared = Prepare(samples, eligible, localNow, horizon);
        return _prepared is null ? null : Fill(_prepared, seed, new float[samples.Count]);
    }

    /// <summary>
    /// <see cref="Rescore"/>'s samples under draw <paramref name="row"/> of the pass (<see cref="RowSeed"/>; row 0 is the
    /// acting draw), into a buffer reused by the next call. Null before <see cref="Rescore"/>, or when it gave null.
    /// </summary>
    public float[]? RescoreRow(int row)
    {
        if (_prepared is not { } p) return null;
        p.RowBuffer ??= new float[p.Samples.Count];
        return Fill(p, RowSeed(seed, row), p.RowBuffer);
    }

    /// <summary>
    /// Candidate <paramref name="candidate"/>'s OSR at <paramref name="lift"/> times its category's average recent moment,
    /// under the draw of the last <see cref="Rescore"/> or <see cref="RescoreRow"/>: z · lift · p̄ normalised like every
    /// score, p̄ the category's propensity averaged over the recent passes with a signature, each weighted by the time
    /// until the next pass (at most <see cref="MomentSpan"/>; the newest until now). NaN before <see cref="Rescore"/> (or
    /// when it gave null), for a candidate not eligible, or whose affinity z is not positive (its OSR would not rise with
    /// the propensity).
    /// </summary>
    public double AverageMoment(int candidate, double lift = 1) =>
        _prepared is { } p && (uint)candidate < (uint)p.Moments.Length && !double.IsNaN(p.Moments[candidate])
            ? OsrScore.Normalize(lift * p.Moments[candidate], min, max)
            : double.NaN;

    /// <summary>The distinct signatures of the recent samples, and per (signature, category) its cells' keys, means and σ.</summary>
    private Prepared? Prepare(BudgetSamples samples, ReadOnlySpan<bool> eligible, DateTime localNow, TimeSpan horizon)
    {
        // The best z per category among the eligible candidates (few categories: a linear list).
        var categories = new List<string>();
        var bestZ = new List<double>();
        var categoryOf = new int[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            categoryOf[i] = -1;
            if (eligible.Length > i && !eligible[i]) continue;
            var (category, z) = candidates[i];
            var at = categories.IndexOf(category);
            if (at < 0)
            {
                at = categories.Count;
                categories.Add(category);
                bestZ.Add(z);
            }
            else if (z > bestZ[at]) bestZ[at] = z;
            categoryOf[i] = at;
        }
        if (categories.Count == 0) return null;

        var from = horizon > TimeSpan.Zero ? localNow.Ticks - horizon.Ticks : long.MinValue;
        var signatures = samples.Signatures.Length == BudgetSamples.Capacity && samples.LocalTicks.Length == BudgetSamples.Capacity
            ? samples.Signatures : null;
        var slotOf = new int[samples.Count];
        var distinct = new Dictionary<int, int>();
        for (var i = 0; i < samples.Count; i++)
        {
            var signature = signatures?[i] ?? 0;
            if (signature == 0 || samples.LocalTicks[i] < from)
            {
                slotOf[i] = -1;
                continue;
            }
            if (!distinct.TryGetValue(signature, out var slot)) distinct.Add(signature, slot = distinct.Count);
            slotOf[i] = slot;
        }
        if (distinct.Count == 0) return null;

        // Each pass stands for the time until the next one (chronological order of the ring), at most MomentSpan.
        var weights = new double[distinct.Count];
        for (var j = 0; j < samples.Count; j++)
        {
            var i = (samples.Next - samples.Count + j + BudgetSamples.Capacity) % BudgetSamples.Capacity;
            if (i >= slotOf.Length || slotOf[i] < 0) continue;
            var nextTicks = j + 1 < samples.Count
                ? samples.LocalTicks[(i + 1) % BudgetSamples.Capacity]
                : Math.Max(localNow.Ticks, samples.LocalTicks[i]);
            weights[slotOf[i]] += Math.Clamp(nextTicks - samples.LocalTicks[i], 0, MomentSpan.Ticks);
        }

        var c = categories.Count;
        var keys = new ulong[distinct.Count * c * Cells];
        var means = new double[keys.Length];
        var sigmas = new double[keys.Length];
        foreach (var (signature, slot) in distinct)
            for (var k = 0; k < c; k++)
            {
                var at = (slot * c + k) * Cells;
                var cellKeys = keys.AsSpan(at, Cells);
                OnlinePropensity.Cells(signature, segment, categories[k], PropensityHead.Conversion, cellKeys);
                for (var j = 0; j < Cells; j++)
                {
                    if (model.TryGetCell(cellKeys[j], out var m, out var v)) means[at + j] = m;
                    else v = OnlinePropensity.PriorVariance(model.Options, j);
                    sigmas[at + j] = Math.Sqrt(v);
                }
            }
        return new Prepared(samples, slotOf, distinct.Count, [.. bestZ], keys, means, sigmas, weights, categoryOf);
    }

    private float[] Fill(Prepared p, ulong drawSeed, float[] result)
    {
        var c = p.BestZ.Length;
        var osr = p.SlotOsr;
        var mean = p.CategoryMean;
        Array.Clear(mean);
        for (var slot = 0; slot < p.Slots; slot++)
        {
            var best = double.NegativeInfinity;
            var w = p.Weights[slot];
            for (var k = 0; k < c; k++)
            {
                var at = (slot * c + k) * Cells;
                double t = 0;
                for (var j = 0; j < Cells; j++)
                    t += _spread == 0 ? p.Means[at + j] : p.Means[at + j] + _spread * p.Sigmas[at + j] * OnlinePropensity.Gaussian(drawSeed, p.Keys[at + j]);
                var propensity = OnlinePropensity.Sigmoid(t);
                mean[k] += w * propensity;
                best = Math.Max(best, propensity * p.BestZ[k]);
            }
            osr[slot] = (float)OsrScore.Normalize(best, min, max);
        }
        for (var i = 0; i < p.Moments.Length; i++)
        {
            var k = p.CategoryOf[i];
            var z = candidates[i].Z;
            p.Moments[i] = k >= 0 && p.TotalWeight > 0 && z > 0 ? z * mean[k] / p.TotalWeight : double.NaN;
        }
        for (var i = 0; i < p.SlotOf.Length; i++)
            result[i] = p.SlotOf[i] < 0 ? p.Samples.Scores[i] : osr[p.SlotOf[i]];
        return result;
    }

    private sealed class Prepared(BudgetSamples samples, int[] slotOf, int slots, double[] bestZ, ulong[] keys, double[] means, double[] sigmas,
        double[] weights, int[] categoryOf)
    {
        public BudgetSamples Samples { get; } = samples;
        public int[] SlotOf { get; } = slotOf;
        public int Slots { get; } = slots;
        public double[] BestZ { get; } = bestZ;
        public ulong[] Keys { get; } = keys;
        public double[] Means { get; } = means;
        public double[] Sigmas { get; } = sigmas;
        public float[] SlotOsr { get; } = new float[slots];
        public double[] Weights { get; } = weights;
        public double TotalWeight { get; } = weights.Sum();
        public int[] CategoryOf { get; } = categoryOf;
        public double[] CategoryMean { get; } = new double[bestZ.Length];
        public double[] Moments { get; } = new double[categoryOf.Length];
        public float[]? RowBuffer { get; set; }
    }
}
