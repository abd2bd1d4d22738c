namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Bounded covariance matching of the measurement noise R per device kind and channel, with a
/// process-noise scale α per channel that takes over when R is pinned at a bound. Used by
/// <see cref="LevelTrendFilter"/> and <see cref="PositionFilter"/>, hand-unrolled (scalars, no
/// allocation). For a channel of dimension m with per-axis innovation ν (m components),
/// predicted per-axis level variance p⁻ = tr(H P⁻ Hᵀ)/m, device prior r₀ = σ₀² (its
/// <see cref="SensorNoise"/> profile) and the NIS of the reading computed with R̂ₖ₋₁:
/// <para>R̂ₖ = clamp((1 − β)·R̂ₖ₋₁ + β·(νᵀν/m − p⁻), f_min·r₀, f_max·r₀), R̂₀ = r₀,</para>
/// <para>i.e. an exponentially weighted estimate of E[ν²] − H P⁻ Hᵀ (the innovation variance
/// the state does not explain) with weight β ∈ (0, 1] (memory ≈ 1/β readings).</para>
/// <para>αₖ = clamp(αₖ₋₁·(1 + β_α·(NIS/m − 1)), α_min, α_max) only while R̂ₖ sits at its floor
/// with NIS/m &lt; 1 or at its ceiling with NIS/m &gt; 1; otherwise αₖ = αₖ₋₁; α₀ = 1. The
/// filter predicts with q·α. So R absorbs the misfit while it can, and what it cannot
/// (innovations smaller than the process model alone predicts, as with smoothed or sparse
/// exports, or larger than the noisiest plausible sensor) goes to q.</para>
/// <para>Only readings that pass the χ² gate in the moving regime adapt R̂ and α; a gated reading
/// sets α = min(α_max, 2·max(α, 1)) (a process-noise burst: at least twice the configured q,
/// so a real change is followed within a few readings rather than gated until the outlier run
/// re-initialises the channel). Weight β = 0 disables adaptation: R = r₀, α = 1 (the fixed
/// model of <see cref="KalmanFilter"/>). Ranges: 0 &lt; f_min ≤ 1 ≤ f_max, 0 &lt; α_min ≤ 1 ≤ α_max.</para>
/// </summary>
public sealed class NoiseAdaptation
{
    /// <summary>No adaptation: R = the device profile's σ², q as configured.</summary>
    public static NoiseAdaptation Off { get; } = new(0.0, 1.0, 1.0, 0.0, 1.0, 1.0);

    /// <param name="weight">β ∈ [0, 1], weight of the newest innovation in R̂; 0 disables adaptation.</param>
    /// <param name="minFactor">f_min ∈ (0, 1]: R̂ ≥ f_min·r₀.</param>
    /// <param name="maxFactor">f_max ≥ 1: R̂ ≤ f_max·r₀.</param>
    /// <param name="processWeight">β_α ∈ [0, 1], step of the process-noise scale.</param>
    /// <param name="minProcessScale">α_min ∈ (0, 1].</param>
    /// <param name="maxProcessScale">α_max ≥ 1.</param>
    public NoiseAdaptation(double weight, double minFactor, double maxFactor, double processWeight, double minProcessScale, double maxProcessScale)
    {
        Check(weight >= 0 && weight <= 1, nameof(weight), weight, "β must be in [0, 1].");
        Check(minFactor > 0 && minFactor <= 1, nameof(minFactor), minFactor, "f_min must be in (0, 1].");
        Check(maxFactor >= 1 && !double.IsInfinity(maxFactor), nameof(maxFactor), maxFactor, "f_max must be finite and ≥ 1.");
        Check(processWeight >= 0 && processWeight <= 1, nameof(processWeight), processWeight, "β_α must be in [0, 1].");
        Check(minProcessScale > 0 && minProcessScale <= 1, nameof(minProcessScale), minProcessScale, "α_min must be in (0, 1].");
        Check(maxProcessScale >= 1 && !double.IsInfinity(maxProcessScale), nameof(maxProcessScale), maxProcessScale, "α_max must be finite and ≥ 1.");
        Weight = weight;
        MinFactor = minFactor;
        MaxFactor = maxFactor;
        ProcessWeight = weight == 0 ? 0 : processWeight;
        MinProcessScale = minProcessScale;
        MaxProcessScale = maxProcessScale;
    }

    /// <summary>β.</summary>
    public double Weight { get; }

    /// <summary>f_min.</summary>
    public double MinFactor { get; }

    /// <summary>f_max.</summary>
    public double MaxFactor { get; }

    /// <summary>β_α.</summary>
    public double ProcessWeight { get; }

    /// <summary>α_min.</summary>
    public double MinProcessScale { get; }

    /// <summary>α_max.</summary>
    public double MaxProcessScale { get; }

    /// <summary>True when β &gt; 0.</summary>
    public bool IsEnabled => Weight > 0;

    /// <summary>R̂ₖ from R̂ₖ₋₁, the mean squared innovation per axis νᵀν/m, p⁻ and r₀ (type summary).</summary>
    public double NextNoise(double rHat, double innovationSquaredPerAxis, double predictedVariance, double prior) =>
        Math.Clamp((1.0 - Weight) * rHat + Weight * (innovationSquaredPerAxis - predictedVariance), MinFactor * prior, MaxFactor * prior);

    /// <summary>αₖ from αₖ₋₁, the reading's NIS/m, the new R̂ₖ and r₀ (type summary).</summary>
    public double NextProcessScale(double alpha, double nisPerAxis, double rHat, double prior)
    {
        var pinned = (nisPerAxis < 1.0 && rHat <= MinFactor * prior) || (nisPerAxis > 1.0 && rHat >= MaxFactor * prior);
        return pinned
            ? Math.Clamp(alpha * (1.0 + ProcessWeight * (nisPerAxis - 1.0)), MinProcessScale, MaxProcessScale)
            : alpha;
    }

    /// <summary>α after a gated reading: min(α_max, 2·max(α, 1)); unchanged when adaptation is off.</summary>
    public double AfterOutlier(double alpha) => IsEnabled ? Math.Min(MaxProcessScale, 2.0 * Math.Max(alpha, 1.0)) : alpha;

    /// <summary>Level-variance burst after a gated reading with squared innovation νᵀν:
    /// p₀₀ += νᵀν/(2γ): after k gated readings S &gt; k·νᵀν/(2γ), so the same innovation passes
    /// the gate by its third reading at the latest (a real step or ramp is followed, instead of
    /// waiting for the outlier run to re-initialise the channel), while a glitch of one or two
    /// readings stays gated;
    /// 0 when adaptation is off.</summary>
    public double OutlierBurst(double innovationSquared, double gate) =>
        IsEnabled && double.IsFinite(gate) ? innovationSquared / (2.0 * gate) : 0.0;

    private static void Check(bool ok, string name, double value, string message)
    {
        if (!ok || double.IsNaN(value))
        {
            throw new ArgumentOutOfRangeException(name, value, message);
        }
    }
}
