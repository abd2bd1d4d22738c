namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Adaptation of the measurement noise R (per device kind and channel) and of the process-noise
/// scale α (per channel) from the filter's own innovations, so that they are consistent
/// (mean NIS per dimension ≈ 1) and white (no lag-1 correlation), the two properties of the
/// optimal filter (Mehra's innovation criterion). Pure functions of scalars; the per-channel
/// state lives in <see cref="AdaptiveNoise"/>. For a channel of dimension m with per-axis
/// innovation ν (m components), innovation variance per axis s = p⁻ + R̂ₖ₋₁, predicted per-axis
/// level variance p⁻ = tr(H P⁻ Hᵀ)/m, device prior r₀ = σ₀² (its <see cref="SensorNoise"/>
/// profile) and n earlier adapting updates of the channel:
/// <para>R̂ₖ = clamp((1 − w)·R̂ₖ₋₁ + w·(νᵀν/m − p⁻), f_min·r₀, f_max·r₀), w = max(β, 1/(n + 2))·R̂ₖ₋₁/s,
/// R̂₀ = r₀: covariance matching, an estimate of E[ν²] − H P⁻ Hᵀ (the innovation variance the
/// state does not explain). max(β, 1/(n + 2)) starts as a running mean (the prior counts as one
/// reading) and becomes an exponential forgetting factor with memory ≈ 1/β readings, so a short
/// recording converges within tens of readings and a long one keeps following a changing
/// sensor; the factor R̂/s weighs a reading by how much of its innovation variance is
/// measurement noise (right after a gap or a gated reading p⁻ dominates and ν says little
/// about R, so R̂ is not dragged to its floor).</para>
/// <para>αₖ = αₖ₋₁·(1 + g) for g ≥ 0, αₖ₋₁/(1 − g) for g &lt; 0, clamped to [α_min, α_max], α₀ = 1,
/// with g = clamp(β_α·u, −½, ½): u = clamp(ν̃ₖᵀν̃ₖ₋₁/m, −2, 2) is the lag-1 product of the
/// normalised innovations ν̃ = ν/√s (E[u] &gt; 0 when the filter lags: q too small for the
/// data; &lt; 0 when it chases noise: q too large). The step is symmetric in log α, so noise in u
/// does not drift α.</para>
/// <para>Consistency: the share of the misfit R̂ does not take goes to the process model. After
/// each applied reading P and α are multiplied by c = 1 + g (g ≥ 0) or 1/(1 − g),
/// g = clamp(w·v·(NIS/m − 1), −½, ½), v = p⁻/s, or v = 1 while R̂ sits at a bound it cannot
/// leave (floor with NIS/m &lt; 1, ceiling with NIS/m &gt; 1) (<see cref="ConsistencyFactor"/>).
/// Scaling P with q makes the next innovation variance respond at once, instead of over the
/// filter's memory; without it a recording whose state uncertainty dominates (sparse
/// sampling, smoothed exports) stays over-confident or under-confident for hundreds of
/// readings.</para>
/// <para>Only readings that pass the χ² gate in the moving regime adapt; a gated reading doubles
/// α (bounded by α_max, a process-noise burst) and adds νᵀν/(2γ) to the level variance
/// (<see cref="OutlierBurst"/>). Weight β = 0 disables adaptation: R = r₀, α = 1 (the fixed model
/// of <see cref="KalmanFilter"/>). Ranges: 0 &lt; f_min ≤ 1 ≤ f_max, 0 &lt; α_min ≤ 1 ≤ α_max.</para>
/// </summary>
public sealed class NoiseAdaptation
{
    /// <summary>No adaptation: R = the device profile's σ², q as configured.</summary>
    public static NoiseAdaptation Off { get; } = new(0.0, 1.0, 1.0, 0.0, 1.0, 1.0);

    /// <param name="weight">β ∈ [0, 1], long-run weight of the newest innovation in R̂; 0 disables adaptation.</param>
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

    /// <summary>R̂ₖ from R̂ₖ₋₁, the mean squared innovation per axis νᵀν/m, p⁻, r₀ and the
    /// number n of earlier adapting updates (type summary; s = p⁻ + R̂ₖ₋₁).</summary>
    public double NextNoise(double rHat, double innovationSquaredPerAxis, double predictedVariance, double prior, int count)
    {
        var w = Math.Max(Weight, 1.0 / (count + 2.0)) * rHat / (rHat + predictedVariance);
        return Math.Clamp((1.0 - w) * rHat + w * (innovationSquaredPerAxis - predictedVariance), MinFactor * prior, MaxFactor * prior);
    }

    /// <summary>The whiteness step of α: αₖ₋₁ → αₖ₋₁·(1 + g) or αₖ₋₁/(1 − g), g = clamp(β_α·u, −½, ½),
    /// u = clamp(correlation, −2, 2), clamped to [α_min, α_max] (type summary).</summary>
    public double NextProcessScale(double alpha, double correlation) =>
        Math.Clamp(alpha * Step(ProcessWeight * Math.Clamp(correlation, -2.0, 2.0)), MinProcessScale, MaxProcessScale);

    /// <summary>The consistency factor c of the process model (type summary):
    /// c = 1 + g or 1/(1 − g), g = clamp(w·v·(NIS/m − 1), −½, ½), w = max(β, 1/(n + 2)), with
    /// v = 1 while R̂ₖ is pinned at its floor with NIS/m &lt; 1 or at its ceiling with NIS/m &gt; 1,
    /// else v = p⁻/s (the share of the innovation variance the state's own uncertainty predicts).</summary>
    public double ConsistencyFactor(double nisPerAxis, double rHat, double prior, int count, double stateShare)
    {
        var pinned = (nisPerAxis < 1.0 && rHat <= MinFactor * prior) || (nisPerAxis > 1.0 && rHat >= MaxFactor * prior);
        return Step(Math.Max(Weight, 1.0 / (count + 2.0)) * (pinned ? 1.0 : stateShare) * (nisPerAxis - 1.0));
    }

    private static double Step(double g)
    {
        g = Math.Clamp(g, -0.5, 0.5);
        return g >= 0 ? 1.0 + g : 1.0 / (1.0 - g);
    }

    /// <summary>α after a gated reading: min(α_max, 2α); unchanged when adaptation is off.</summary>
    public double AfterOutlier(double alpha) => IsEnabled ? Math.Min(MaxProcessScale, 2.0 * alpha) : alpha;

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
