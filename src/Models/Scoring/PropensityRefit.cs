// Design: the online propensity model's periodic refit (docs/notifications.md "Propensity", docs/decisions.md 98).
//
// * ADF (OnlinePropensity.Learn) keeps a diagonal posterior and updates it one outcome at a time. All 15 cells of an
//   input are summed into one logit, so each update is shared out among them by their variances: the bias and the
//   cells present in most outcomes take a share of every update, and a state's own effect is learned only by the share
//   that reaches its cell. Outcomes seen later never correct how earlier ones were attributed.
// * The refit solves the problem ADF approximates over the outcomes it keeps: the maximum a posteriori weights of the
//   logistic regression under a base prior (the neutral prior, or the posterior older outcomes were folded into), by
//   coordinate Newton (Gauss–Seidel over the cells; the objective is convex), and each cell's variance is the diagonal
//   Laplace approximation 1/(1/V_j + Σ_i λ_i p_i(1 − p_i)) — the posterior Chapelle and Li's Thompson sampling uses.
// * A bounded window: when it is full, its older half is folded into the base (the base becomes the fit of base + that
//   half) and dropped. A learner that restarts takes its persisted posterior as the base, with an empty window.
// * Cost: O(15 · outcomes kept) per sweep, a few tens of sweeps from a warm start; run every tenth of the window's
//   growth, so the cost per outcome stays bounded by a constant times the sweeps.
namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// The outcomes an <see cref="OnlinePropensity"/> learned, kept to refit its posterior exactly (MAP + diagonal Laplace)
/// instead of only by one assumed-density update per outcome. Not thread-safe: the learner owns it.
/// </summary>
public sealed class PropensityRefit
{
    private const int Stride = OnlinePropensity.CellCount;
    private const int MaxSweeps = 200;
    private const double Tolerance = 1e-6;
    private const double MaxStep = 2;

    /// <summary>Fewest outcomes between two fits.</summary>
    public const int MinBetweenFits = 25;

    private readonly OnlinePropensityOptions _options;
    private readonly Dictionary<ulong, (double Mean, double Variance)> _base = [];
    private readonly ulong[] _keys;
    private readonly bool[] _outcomes;
    private readonly float[] _weights;
    private int _count;

    /// <param name="options">The model's priors (the base of cells no outcome has reached).</param>
    /// <param name="capacity">Outcomes kept; at least 2 · <see cref="MinBetweenFits"/>.</param>
    /// <param name="basePosterior">The posterior the kept outcomes start from (null: the prior).</param>
    public PropensityRefit(OnlinePropensityOptions options, int capacity, OnlinePropensityState? basePosterior = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2 * MinBetweenFits);
        _options = options;
        Capacity = capacity;
        _keys = new ulong[capacity * Stride];
        _outcomes = new bool[capacity];
        _weights = new float[capacity];
        if (basePosterior is not null)
            for (var i = 0; i < basePosterior.Keys.Length; i++)
                _base[basePosterior.Keys[i]] = (basePosterior.Means[i], basePosterior.Variances[i]);
    }

    /// <summary>Outcomes the window holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Outcomes kept.</summary>
    public int Count => _count;

    /// <summary>Outcomes added since the last <see cref="Fit"/>.</summary>
    public int SinceFit { get; private set; }

    /// <summary>A fit is due: at least <see cref="MinBetweenFits"/> outcomes, and a tenth of the window, since the last.</summary>
    public bool Due => SinceFit >= Math.Max(MinBetweenFits, _count / 10);

    /// <summary>Keeps one outcome of weight <paramref name="weight"/> (λ) for the cells <paramref name="keys"/>; folds the older half into the base when full.</summary>
    public void Add(ReadOnlySpan<ulong> keys, bool outcome, double weight)
    {
        if (keys.Length != Stride) throw new ArgumentException($"needs {Stride} keys.", nameof(keys));
        if (!(weight > 0)) return;
        if (_count == Capacity) Fold();
        keys.CopyTo(_keys.AsSpan(_count * Stride, Stride));
        _outcomes[_count] = outcome;
        _weights[_count] = (float)weight;
        _count++;
        SinceFit++;
    }

    /// <summary>
    /// The MAP posterior of the base prior and the kept outcomes, warm-started from <paramref name="current"/>: every cell
    /// of the base and of the window, with the counts and a version one above <paramref name="current"/>'s.
    /// </summary>
    public OnlinePropensityState Fit(OnlinePropensity current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var fitted = Solve(0, _count, current);
        SinceFit = 0;
        var keys = new List<ulong>(_base.Count + fitted.Count);
        var means = new List<double>(keys.Capacity);
        var variances = new List<double>(keys.Capacity);
        foreach (var (key, (m, v)) in _base)
            if (!fitted.ContainsKey(key))
            {
                keys.Add(key);
                means.Add(m);
                variances.Add(v);
            }
        foreach (var (key, (m, v)) in fitted)
        {
            keys.Add(key);
            means.Add(m);
            variances.Add(v);
        }
        var snapshot = current.Snapshot();
        return snapshot with { Keys = [.. keys], Means = [.. means], Variances = [.. variances], Version = snapshot.Version + 1 };
    }

    /// <summary>Folds the older half of the window into the base and drops it.</summary>
    private void Fold()
    {
        var half = _count / 2;
        foreach (var (key, cell) in Solve(0, half, warm: null)) _base[key] = cell;
        Array.Copy(_keys, half * Stride, _keys, 0, (_count - half) * Stride);
        Array.Copy(_outcomes, half, _outcomes, 0, _count - half);
        Array.Copy(_weights, half, _weights, 0, _count - half);
        _count -= half;
    }

    /// <summary>MAP + diagonal Laplace over the outcomes [from, from + count) under the base prior.</summary>
    private Dictionary<ulong, (double Mean, double Variance)> Solve(int from, int count, OnlinePropensity? warm)
    {
        // The cells of these outcomes, their prior and the outcomes each appears in (CSR).
        var index = new Dictionary<ulong, int>();
        var priorMean = new List<double>();
        var priorVariance = new List<double>();
        var cellOf = new int[count * Stride];
        for (var i = 0; i < count; i++)
            for (var j = 0; j < Stride; j++)
            {
                var key = _keys[(from + i) * Stride + j];
                if (!index.TryGetValue(key, out var c))
                {
                    c = index.Count;
                    index.Add(key, c);
                    var (m, v) = _base.TryGetValue(key, out var b) ? b : (0.0, OnlinePropensity.PriorVariance(_options, j));
                    priorMean.Add(m);
                    priorVariance.Add(v);
                }
                cellOf[i * Stride + j] = c;
            }
        var cells = index.Count;
        var start = new int[cells + 1];
        foreach (var c in cellOf) start[c + 1]++;
        for (var c = 0; c < cells; c++) start[c + 1] += start[c];
        var members = new int[cellOf.Length];
        var fill = start[..cells];
        for (var k = 0; k < cellOf.Length; k++) members[fill[cellOf[k]]++] = k / Stride;

        var w = new double[cells];
        foreach (var (key, c) in index)
            w[c] = warm is not null && warm.TryGetCell(key, out var m, out _) ? m : priorMean[c];
        var t = new double[count];
        for (var k = 0; k < cellOf.Length; k++) t[k / Stride] += w[cellOf[k]];

        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            var largest = 0.0;
            for (var c = 0; c < cells; c++)
            {
                var (g, h) = Derivatives(c, w[c], priorMean[c], priorVariance[c], start, members, t, from);
                var step = Math.Clamp(-g / h, -MaxStep, MaxStep);
                if (step == 0) continue;
                w[c] += step;
                for (var k = start[c]; k < start[c + 1]; k++) t[members[k]] += step;
                largest = Math.Max(largest, Math.Abs(step));
            }
            if (largest < Tolerance) break;
        }

        var result = new Dictionary<ulong, (double Mean, double Variance)>(cells);
        foreach (var (key, c) in index)
        {
            var (_, h) = Derivatives(c, w[c], priorMean[c], priorVariance[c], start, members, t, from);
            result[key] = (w[c], 1 / h);
        }
        return result;
    }

    /// <summary>Gradient and curvature of the negative log posterior in cell <paramref name="c"/>'s weight.</summary>
    private (double Gradient, double Curvature) Derivatives(int c, double w, double priorMean, double priorVariance,
        int[] start, int[] members, double[] t, int from)
    {
        var g = (w - priorMean) / priorVariance;
        var h = 1 / priorVariance;
        for (var k = start[c]; k < start[c + 1]; k++)
        {
            var i = members[k];
            var p = OnlinePropensity.Sigmoid(t[i]);
            var lambda = _weights[from + i];
            g += lambda * (p - (_outcomes[from + i] ? 1 : 0));
            h += lambda * p * (1 - p);
        }
        return (g, h);
    }
}
