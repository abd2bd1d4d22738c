// Design: the online propensity model (docs/notifications.md "Propensity", docs/decisions.md 34).
//
// * Bayesian logistic regression over sparse binary cells of (state at decision time) × (item
//   category): every input activates exactly CellCount cells, each a weight with an independent
//   Gaussian posterior N(m, v) (a diagonal Laplace posterior). Before any outcome every weight
//   is its prior N(0, v0): p = 0.5 in expectation, the neutral prior, and wide.
// * One update per outcome, assumed-density filtering: the logit t = Σ w_j is Gaussian
//   N(μ, s²) under the current posterior; its posterior given the outcome y is approximated by
//   a Laplace fit of N(μ, s²)·σ(t)^y(1 − σ(t))^(1−y) (Newton on t), and the weights take the
//   exact Gaussian conditional on that new N(t*, s*²): m_j += v_j (t* − μ)/s², v_j −= v_j²(s² − s*²)/s⁴.
// * Shared strength (hierarchical shrinkage): besides the state × category cells, the label, the
//   hour band, label × hour band, time since a workout and intensity each have a cell shared by
//   every category (kinds 10–14). A state learns from every push made in it whatever the item, and
//   the category cells only learn a category's deviation from it; the shared cells start at the
//   same neutral prior, so nothing about any world is assumed.
// * Two heads share the state × category weights: conversion (the score) and open (the frequent
//   weak signal, tempered by OpenWeight), each with its own bias and category cells.
// * Cells are keyed by a stable 64-bit hash of (kind, head, category, bins), so the posterior
//   survives restarts and any category string works; a key never seen is still its prior.
// * Nothing here knows any simulated world: bins are generic physiology (intensity, %HRmax,
//   time since a workout, 3-hour bands of the local day), the activity label and the segment.
using System.Runtime.CompilerServices;
using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Models.Scoring;

/// <summary>Which outcome a head of <see cref="OnlinePropensity"/> predicts.</summary>
public enum PropensityHead : byte
{
    /// <summary>P(converted | pushed in this state, category): the score.</summary>
    Conversion = 0,

    /// <summary>P(opened or converted | pushed in this state, category): the frequent weak signal.</summary>
    Open = 1,
}

/// <summary>The state at decision time as the online model sees it: label, features (NaN = unknown) and segment.</summary>
public readonly record struct PropensityContext(ActivityLabel Label, FeatureVector Features, string? Segment);

/// <summary>Persisted posterior of <see cref="OnlinePropensity"/>: per cell key its mean and variance, index-aligned.</summary>
[GenerateSerializer, Alias("osr.online-propensity-state")]
public sealed record class OnlinePropensityState
{
    [Id(0)] public ulong[] Keys { get; set; } = [];
    [Id(1)] public double[] Means { get; set; } = [];
    [Id(2)] public double[] Variances { get; set; } = [];
    /// <summary>Outcomes learned, per head (conversion, open).</summary>
    [Id(3)] public long[] Updates { get; set; } = [0, 0];
    /// <summary>Positive outcomes learned, per head.</summary>
    [Id(4)] public long[] Positives { get; set; } = [0, 0];
    /// <summary>Increases with every change; a reader refreshes its copy when it differs.</summary>
    [Id(5)] public long Version { get; set; }
}

/// <summary>Prior and update options of <see cref="OnlinePropensity"/>.</summary>
/// <param name="BiasVariance">Prior variance of each head's global bias (log-odds²). Range (0, 100].</param>
/// <param name="CellVariance">Prior variance of every other cell (log-odds²). Range (0, 100].</param>
/// <param name="OpenWeight">Likelihood weight λ ∈ [0, 1] of an open outcome (0 = ignore the weak signal).</param>
/// <param name="InteractionVariance">
/// Prior variance of the state × category interaction cells (kinds 2–9); NaN = <paramref name="CellVariance"/>. Range (0, 100].
/// Smaller than the main effects' (effect hierarchy): early on the few outcomes move the shared state cells and the
/// category's own cell, and a category's deviation in a state is believed only once outcomes show it.
/// </param>
public readonly record struct OnlinePropensityOptions(double BiasVariance, double CellVariance, double OpenWeight, double InteractionVariance = double.NaN)
{
    public static OnlinePropensityOptions Default { get; } = new(BiasVariance: 1.0, CellVariance: 0.3, OpenWeight: 0.5);

    /// <summary><see cref="InteractionVariance"/>, or <see cref="CellVariance"/> when it is not set.</summary>
    public double InteractionPriorVariance => double.IsNaN(InteractionVariance) ? CellVariance : InteractionVariance;
}

/// <summary>
/// Online Bayesian logistic regression: p(s, c) = σ(Σ_j w_j) over the <see cref="CellCount"/>
/// cells j of state s and category c, w_j ~ N(m_j, v_j) independent. <see cref="Learn"/> is one
/// assumed-density-filtering update; <see cref="Mean"/> is the posterior-predictive
/// σ(μ/√(1 + πs²/8)); <see cref="Draw"/> is σ(t̃) for a posterior draw of the weights (Thompson
/// sampling), a pure function of the seed so that candidates of one pass share the draw of a cell.
/// Learning is single-threaded; scoring only reads and may run concurrently on an instance that
/// is no longer learning. Scoring does not allocate. Range: 0 &lt; p &lt; 1.
/// </summary>
public sealed class OnlinePropensity
{
    /// <summary>Cells per (state, category, head).</summary>
    public const int CellCount = 15;

    /// <summary>Version string the decision log records for this model.</summary>
    public const string Version = "online";

    private const double MinVariance = 1e-6;
    private readonly Dictionary<ulong, int> _index;
    private readonly List<ulong> _keys;
    private readonly List<double> _means;
    private readonly List<double> _variances;
    private readonly long[] _updates;
    private readonly long[] _positives;

    public OnlinePropensity(OnlinePropensityOptions options) : this(options, new OnlinePropensityState()) { }

    private OnlinePropensity(OnlinePropensityOptions options, OnlinePropensityState state)
    {
        Validate(options);
        Options = options;
        var n = state.Keys.Length;
        if (state.Means.Length != n || state.Variances.Length != n)
            throw new ArgumentException("keys, means and variances differ in length.", nameof(state));
        _index = new Dictionary<ulong, int>(n);
        _keys = new List<ulong>(state.Keys);
        _means = new List<double>(state.Means);
        _variances = new List<double>(state.Variances);
        for (var i = 0; i < n; i++)
        {
            if (!double.IsFinite(state.Means[i]) || !(state.Variances[i] > 0) || !double.IsFinite(state.Variances[i]))
                throw new ArgumentException($"cell {i} has a non-finite mean or a non-positive variance.", nameof(state));
            if (!_index.TryAdd(state.Keys[i], i)) throw new ArgumentException($"cell key {state.Keys[i]} appears twice.", nameof(state));
        }
        _updates = [state.Updates.ElementAtOrDefault(0), state.Updates.ElementAtOrDefault(1)];
        _positives = [state.Positives.ElementAtOrDefault(0), state.Positives.ElementAtOrDefault(1)];
        StateVersion = state.Version;
    }

    /// <summary>A model from a persisted posterior; throws <see cref="ArgumentException"/> when it is inconsistent.</summary>
    public static OnlinePropensity Restore(OnlinePropensityState state, OnlinePropensityOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new OnlinePropensity(options, state);
    }

    public OnlinePropensityOptions Options { get; }

    /// <summary>Increases with every <see cref="Learn"/>.</summary>
    public long StateVersion { get; private set; }

    /// <summary>Cells with a posterior (seen in at least one outcome).</summary>
    public int CellsLearned => _keys.Count;

    /// <summary>Outcomes learned by <paramref name="head"/>.</summary>
    public long Updates(PropensityHead head) => _updates[(int)head];

    /// <summary>Positive outcomes learned by <paramref name="head"/>.</summary>
    public long Positives(PropensityHead head) => _positives[(int)head];

    /// <summary>A copy of the posterior for persistence or for readers on other threads.</summary>
    public OnlinePropensityState Snapshot() => new()
    {
        Keys = [.. _keys],
        Means = [.. _means],
        Variances = [.. _variances],
        Updates = [.. _updates],
        Positives = [.. _positives],
        Version = StateVersion,
    };

    /// <summary>
    /// Learns one outcome y ∈ {0, 1} of <paramref name="head"/> for a push of
    /// <paramref name="category"/> in state <paramref name="context"/> (ADF update, see the type).
    /// </summary>
    public void Learn(in PropensityContext context, string category, PropensityHead head, bool outcome)
    {
        ArgumentNullException.ThrowIfNull(category);
        Span<ulong> keys = stackalloc ulong[CellCount];
        Cells(in context, category, head, keys);
        Learn(keys, head, outcome);
    }

    /// <summary>Likelihood weight λ of an outcome of <paramref name="head"/> (1 for conversion, <see cref="OnlinePropensityOptions.OpenWeight"/> for open).</summary>
    public double WeightOf(PropensityHead head) => head == PropensityHead.Open ? Options.OpenWeight : 1.0;

    /// <summary>Learns one outcome of <paramref name="head"/> for the cells <paramref name="keys"/> (from <see cref="Cells"/>).</summary>
    public void Learn(ReadOnlySpan<ulong> keys, PropensityHead head, bool outcome)
    {
        if (keys.Length != CellCount) throw new ArgumentException($"needs {CellCount} keys.", nameof(keys));
        var weight = WeightOf(head);
        if (weight <= 0) return;
        Span<int> slots = stackalloc int[CellCount];
        double mu = 0, s2 = 0;
        for (var j = 0; j < CellCount; j++)
        {
            slots[j] = SlotFor(keys[j], j);
            mu += _means[slots[j]];
            s2 += _variances[slots[j]];
        }

        var y = outcome ? 1.0 : 0.0;
        var (t, post) = LaplaceLogit(mu, s2, y, weight);
        var shift = (t - mu) / s2;
        var shrink = (s2 - post) / (s2 * s2);
        for (var j = 0; j < CellCount; j++)
        {
            var slot = slots[j];
            var v = _variances[slot];
            _means[slot] += v * shift;
            _variances[slot] = Math.Max(MinVariance, v - v * v * shrink);
        }
        _updates[(int)head]++;
        if (outcome) _positives[(int)head]++;
        StateVersion++;
    }

    /// <summary>Posterior mean μ and variance s² of the logit for (state, category) of <paramref name="head"/>.</summary>
    public (double Mean, double Variance) Logit(in PropensityContext context, string category, PropensityHead head = PropensityHead.Conversion)
    {
        Span<ulong> keys = stackalloc ulong[CellCount];
        Cells(in context, category, head, keys);
        double mu = 0, s2 = 0;
        for (var j = 0; j < CellCount; j++)
        {
            var (m, v) = Cell(keys[j], j);
            mu += m;
            s2 += v;
        }
        return (mu, s2);
    }

    /// <summary>Posterior-predictive probability σ(μ/√(1 + πs²/8)) (the probit approximation of E[σ(t)]).</summary>
    public double Mean(in PropensityContext context, string category, PropensityHead head = PropensityHead.Conversion)
    {
        var (mu, s2) = Logit(in context, category, head);
        return Sigmoid(mu / Math.Sqrt(1 + Math.PI * s2 / 8));
    }

    /// <summary>
    /// σ(Σ_j (m_j + κ√v_j·z_j)) with z_j ~ N(0, 1) a pure function of (<paramref name="seed"/>, cell key):
    /// one posterior draw of the weights, shared by every candidate scored with the same seed; κ =
    /// <paramref name="spread"/> (1 = a posterior draw, 0 = the posterior median σ(μ)). Range of κ: [0, 1].
    /// </summary>
    public double Draw(in PropensityContext context, string category, ulong seed, PropensityHead head = PropensityHead.Conversion, double spread = 1)
    {
        if (!(spread >= 0 && spread <= 1)) throw new ArgumentOutOfRangeException(nameof(spread), spread, "spread must be in [0, 1].");
        Span<ulong> keys = stackalloc ulong[CellCount];
        Cells(in context, category, head, keys);
        return Draw(keys, seed, spread);
    }

    /// <summary><see cref="Draw(in PropensityContext, string, ulong, PropensityHead, double)"/> for the cells <paramref name="keys"/> (from <see cref="Cells"/>).</summary>
    public double Draw(ReadOnlySpan<ulong> keys, ulong seed, double spread = 1)
    {
        if (keys.Length != CellCount) throw new ArgumentException($"needs {CellCount} keys.", nameof(keys));
        if (!(spread >= 0 && spread <= 1)) throw new ArgumentOutOfRangeException(nameof(spread), spread, "spread must be in [0, 1].");
        double t = 0;
        for (var j = 0; j < CellCount; j++)
        {
            var (m, v) = Cell(keys[j], j);
            t += spread == 0 ? m : m + spread * Math.Sqrt(v) * Gaussian(seed, keys[j]);
        }
        return Sigmoid(t);
    }

    /// <summary>The cell keys of (state, category, head), in a fixed order (index 0 is the head's bias).</summary>
    public static void Cells(in PropensityContext context, string category, PropensityHead head, Span<ulong> keys) =>
        Cells(Signature(in context), context.Segment, category, head, keys);

    /// <summary>
    /// Everything of a state the cells read but the segment, packed into a positive int (0 = no state): the label, the
    /// hour band, the intensity, %HRmax and time-since-a-workout bins and whether it is a weekend. Two states with one
    /// signature have the same cells for every category.
    /// </summary>
    public static int Signature(in PropensityContext context)
    {
        var f = context.Features;
        return 1 << 24
            | (int)context.Label << 16
            | (HourBand(f.LocalHour) + 1) << 12
            | (IntensityBin(f.Intensity) + 1) << 9
            | (HrPctMaxBin(f.HrPctMax) + 1) << 6
            | (SinceWorkoutBin(f.MinutesSinceWorkout) + 1) << 3
            | (double.IsFinite(f.Weekday) && f.Weekday >= 5 ? 1 : 0);
    }

    /// <summary>The cell keys of (state <paramref name="signature"/> of <see cref="Signature"/>, segment, category, head), in a fixed order (index 0 is the head's bias).</summary>
    public static void Cells(int signature, string? segment, string category, PropensityHead head, Span<ulong> keys)
    {
        ArgumentNullException.ThrowIfNull(category);
        if (keys.Length < CellCount) throw new ArgumentException($"needs {CellCount} keys.", nameof(keys));
        if (signature >> 24 != 1) throw new ArgumentOutOfRangeException(nameof(signature), signature, "not a state signature.");
        var label = (signature >> 16) & 0xFF;
        var hour = ((signature >> 12) & 0xF) - 1;
        var intensity = ((signature >> 9) & 0x7) - 1;
        var hrPctMax = ((signature >> 6) & 0x7) - 1;
        var sinceWorkout = ((signature >> 3) & 0x7) - 1;
        var weekend = signature & 1;
        var h = (int)head;
        var cat = Fnv(category);
        keys[0] = Key(0, h, 0, 0, 0);
        keys[1] = Key(1, h, cat, 0, 0);
        keys[2] = Key(2, 0, cat, label, 0);
        keys[3] = Key(3, 0, cat, hour, 0);
        keys[4] = Key(4, 0, cat, label, hour);
        keys[5] = Key(5, 0, cat, intensity, 0);
        keys[6] = Key(6, 0, cat, hrPctMax, 0);
        keys[7] = Key(7, 0, cat, sinceWorkout, 0);
        keys[8] = Key(8, 0, cat ^ Fnv(segment ?? ""), 0, 0);
        keys[9] = Key(9, 0, cat, weekend, 0);
        keys[10] = Key(10, 0, 0, label, 0);
        keys[11] = Key(11, 0, 0, hour, 0);
        keys[12] = Key(12, 0, 0, label, hour);
        keys[13] = Key(13, 0, 0, sinceWorkout, 0);
        keys[14] = Key(14, 0, 0, intensity, 0);
    }

    /// <summary>3-hour band of the local day, 0–7; −1 unknown.</summary>
    public static int HourBand(double localHour) => double.IsFinite(localHour) ? Math.Clamp((int)(localHour / 3), 0, 7) : -1;

    /// <summary>Intensity bins: unknown, &lt; 0.15 (still), &lt; 0.4 (light), &lt; 0.7 (moderate), more (vigorous).</summary>
    public static int IntensityBin(double intensity) =>
        !double.IsFinite(intensity) ? -1 : intensity < 0.15 ? 0 : intensity < 0.4 ? 1 : intensity < 0.7 ? 2 : 3;

    /// <summary>%HRmax bins: unknown, &lt; 50 %, &lt; 60 %, &lt; 70 %, &lt; 80 %, more.</summary>
    public static int HrPctMaxBin(double pct) =>
        !double.IsFinite(pct) ? -1 : pct < 0.5 ? 0 : pct < 0.6 ? 1 : pct < 0.7 ? 2 : pct < 0.8 ? 3 : 4;

    /// <summary>Time since the last workout: none seen, during (0), ≤ 30 min, ≤ 2 h, ≤ 6 h, longer.</summary>
    public static int SinceWorkoutBin(double minutes) =>
        !double.IsFinite(minutes) ? -1 : minutes <= 0 ? 0 : minutes <= 30 ? 1 : minutes <= 120 ? 2 : minutes <= 360 ? 3 : 4;

    /// <summary>
    /// Laplace fit of N(μ, s²)·L(t)^λ for the logistic likelihood L: the mode t* (Newton on
    /// (t − μ)/s² = λ(y − σ(t))) and the posterior variance 1/(1/s² + λσ(t*)(1 − σ(t*))).
    /// </summary>
    internal static (double Mode, double Variance) LaplaceLogit(double mu, double s2, double y, double lambda)
    {
        var t = mu;
        for (var i = 0; i < 50; i++)
        {
            var p = Sigmoid(t);
            var g = (t - mu) / s2 - lambda * (y - p);
            var h = 1 / s2 + lambda * p * (1 - p);
            var step = g / h;
            t -= step;
            if (Math.Abs(step) < 1e-10) break;
        }
        var q = Sigmoid(t);
        return (t, 1 / (1 / s2 + lambda * q * (1 - q)));
    }

    public static double Sigmoid(double t) => 1 / (1 + Math.Exp(-t));

    private (double Mean, double Variance) Cell(ulong key, int position) =>
        _index.TryGetValue(key, out var slot) ? (_means[slot], _variances[slot]) : (0, PriorVariance(Options, position));

    /// <summary>The posterior of the cell <paramref name="key"/>, when an outcome has reached it.</summary>
    public bool TryGetCell(ulong key, out double mean, out double variance)
    {
        if (_index.TryGetValue(key, out var slot))
        {
            (mean, variance) = (_means[slot], _variances[slot]);
            return true;
        }
        (mean, variance) = (0, 0);
        return false;
    }

    private int SlotFor(ulong key, int position)
    {
        if (_index.TryGetValue(key, out var slot)) return slot;
        slot = _keys.Count;
        _keys.Add(key);
        _means.Add(0);
        _variances.Add(PriorVariance(Options, position));
        _index.Add(key, slot);
        return slot;
    }

    /// <summary>Prior variance of the cell at <paramref name="position"/> of <see cref="Cells"/> (0 the bias, 2–9 the interactions).</summary>
    public static double PriorVariance(in OnlinePropensityOptions options, int position) => position switch
    {
        0 => options.BiasVariance,
        >= 2 and <= 9 => options.InteractionPriorVariance,
        _ => options.CellVariance,
    };

    private static void Validate(OnlinePropensityOptions o)
    {
        if (!(o.BiasVariance > 0 && o.BiasVariance <= 100)) throw new ArgumentOutOfRangeException(nameof(o), o.BiasVariance, "BiasVariance must be in (0, 100].");
        if (!(o.CellVariance > 0 && o.CellVariance <= 100)) throw new ArgumentOutOfRangeException(nameof(o), o.CellVariance, "CellVariance must be in (0, 100].");
        if (!double.IsNaN(o.InteractionVariance) && !(o.InteractionVariance > 0 && o.InteractionVariance <= 100))
            throw new ArgumentOutOfRangeException(nameof(o), o.InteractionVariance, "InteractionVariance must be in (0, 100] or NaN.");
        if (!(o.OpenWeight >= 0 && o.OpenWeight <= 1)) throw new ArgumentOutOfRangeException(nameof(o), o.OpenWeight, "OpenWeight must be in [0, 1].");
    }

    /// <summary>Standard normal from (seed, key) by Box–Muller over two SplitMix64 outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Gaussian(ulong seed, ulong key)
    {
        var a = Mix(seed ^ (key * 0x9E3779B97F4A7C15UL));
        var b = Mix(a + 0x9E3779B97F4A7C15UL);
        var u1 = 1.0 - (a >> 11) * (1.0 / (1UL << 53)); // (0, 1]
        var u2 = (b >> 11) * (1.0 / (1UL << 53));
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Key(int kind, int head, ulong category, int a, int b) =>
        Mix(Mix(Mix(((ulong)kind << 8 | (uint)head) ^ category) ^ (uint)(a + 1)) ^ (uint)(b + 1));

    /// <summary>FNV-1a 64 over the UTF-16 code units (stable across processes, unlike string.GetHashCode).</summary>
    private static ulong Fnv(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }
}
