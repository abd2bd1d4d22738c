using MathNet.Numerics.Distributions;

namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// The compiled, immutable settings of one filter channel, shared by the banks of all users
/// (built once from <see cref="FilterOptions"/>; a filter struct holds only its state).
/// <para>Process model: continuous white-noise acceleration (CWNA) with spectral density
/// q ≥ 0 (level²/s³), Q(dt) = q·[[dt³/3, dt²/2], [dt²/2, dt]] per axis.</para>
/// <para>Sparse recordings: over an interval dt longer than the horizon τ the spectral density
/// is q·τ/dt, so the level's process variance grows as q·τ·dt²/3 instead of q·dt³/3 and the
/// rate's as q·τ (one horizon's worth) instead of q·dt. Devices that record "smart" (a point
/// only when the signal leaves a straight line) skip readings exactly where the signal is
/// predictable, and their long intervals hold far less change than white acceleration over
/// the whole interval would (measured on the recorded tracks, docs/features.md
/// "Calibration"). Below τ the model is the exact CWNA discretisation.</para>
/// <para>Trend horizon: an estimate between readings (<see cref="LevelTrendFilter.TryPredict"/>)
/// extrapolates the level by the rate for at most H seconds past the channel's last reading,
/// ℓ + min(dt, H)·ṙ, then holds it; its variance keeps the full CWNA growth. The rate is the
/// slope of the last few readings, and a person's speed, cadence, movement or heart rate does
/// not keep changing at one rate for minutes (a start, a stop or a change of pace is over within
/// seconds), so carried further it invents a level no reading supports: a rate of 0.02 m/s²
/// from two noisy speeds 30 s apart becomes 6 m/s after a five-minute silence
/// (docs/decisions.md 93). The filter's own predict step (at the next reading) is the exact
/// CWNA one. H = +∞: no horizon.</para>
/// <para>Gate: a measurement of dimension m is applied only when
/// NIS = yᵀS⁻¹y ≤ γ = F⁻¹χ²(m)(c), the chi-square quantile at confidence c ∈ (0, 1]
/// (c = 1 disables gating: γ = +∞). γ is computed here once, never per reading.</para>
/// <para>Initial covariance on (re-)initialisation: P₀ = diag(R, σᵣ₀²) per axis, i.e. the
/// level is as uncertain as the measurement that set it, the rate is 0 ± σᵣ₀.</para>
/// <para>Measurement-noise adaptation: <see cref="Adaptation"/> (equations in
/// <see cref="NoiseAdaptation"/>; <see cref="NoiseAdaptation.Off"/> keeps R = σ² of the device).</para>
/// <para>Stop regime (speed, cadence): with a stop threshold θ ≥ 0, a reading z ≤ θ while the
/// predicted level ℓ⁻ &gt; θ (a stop, coasting) or z &gt; θ while ℓ⁻ ≤ θ (moving again) that
/// fails the gate is a regime change, not an outlier: the channel re-initialises on it
/// (x̂ = [z, 0], P = diag(R, σᵣ₀²)). Readings z ≤ θ while ℓ⁻ ≤ θ (standing still) are applied but
/// neither adapt R nor enter the NIS statistics: a stopped crank reads exactly 0, which says
/// nothing about the sensor's noise while moving. θ = NaN: no stop regime.</para>
/// </summary>
public sealed class ChannelModel
{
    /// <param name="processNoise">q, spectral density of the rate noise, level²/s³, ≥ 0.</param>
    /// <param name="initialRateStd">σᵣ₀, std of the rate at (re-)initialisation, level/s, &gt; 0.</param>
    /// <param name="measurementDimension">m, 1 for a scalar channel, 2 for position.</param>
    /// <param name="gateConfidence">c ∈ (0, 1]; the gate rejects a fraction 1 − c of consistent measurements.</param>
    /// <param name="maxGap">A channel silent for longer is stale: estimates are NaN, the next measurement re-initialises it.</param>
    /// <param name="maxReorder">A measurement older than the channel's last update by more than this is dropped as stale.</param>
    /// <param name="maxConsecutiveOutliers">After this many gated measurements in a row the channel re-initialises on the last one, ≥ 1.</param>
    /// <param name="min">Lower clamp of the reported level.</param>
    /// <param name="max">Upper clamp of the reported level.</param>
    /// <param name="adaptation">Measurement-noise adaptation; null = <see cref="NoiseAdaptation.Off"/>.</param>
    /// <param name="stopThreshold">θ ≥ 0 of the stop regime, or NaN for none (scalar channels only).</param>
    /// <param name="processNoiseHorizon">τ &gt; 0 seconds of sparse recordings, +∞ for none.</param>
    /// <param name="trendHorizon">H &gt; 0 seconds an estimate extrapolates the trend past the last reading, +∞ for none.</param>
    public ChannelModel(
        double processNoise,
        double initialRateStd,
        int measurementDimension,
        double gateConfidence,
        TimeSpan maxGap,
        TimeSpan maxReorder,
        int maxConsecutiveOutliers,
        double min = double.NegativeInfinity,
        double max = double.PositiveInfinity,
        NoiseAdaptation? adaptation = null,
        double stopThreshold = double.NaN,
        double processNoiseHorizon = double.PositiveInfinity,
        double trendHorizon = double.PositiveInfinity)
    {
        if (!(processNoise >= 0) || double.IsInfinity(processNoise))
        {
            throw new ArgumentOutOfRangeException(nameof(processNoise), processNoise, "q must be finite and ≥ 0.");
        }

        if (!(initialRateStd > 0) || double.IsInfinity(initialRateStd))
        {
            throw new ArgumentOutOfRangeException(nameof(initialRateStd), initialRateStd, "σᵣ₀ must be finite and > 0.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(measurementDimension, 1);
        if (!(gateConfidence > 0 && gateConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gateConfidence), gateConfidence, "Gate confidence must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxGap, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReorder, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConsecutiveOutliers, 1);
        if (!(min <= max))
        {
            throw new ArgumentOutOfRangeException(nameof(min), min, "min must be ≤ max.");
        }

        if (!double.IsNaN(stopThreshold) && !(stopThreshold >= 0 && stopThreshold < double.PositiveInfinity && measurementDimension == 1))
        {
            throw new ArgumentOutOfRangeException(nameof(stopThreshold), stopThreshold, "θ must be NaN or finite and ≥ 0, on a scalar channel.");
        }

        if (!(processNoiseHorizon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(processNoiseHorizon), processNoiseHorizon, "τ must be > 0 (+∞: none).");
        }

        if (!(trendHorizon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(trendHorizon), trendHorizon, "H must be > 0 (+∞: none).");
        }

        ProcessNoise = processNoise;
        TrendHorizon = trendHorizon;
        ProcessNoiseHorizon = processNoiseHorizon;
        Adaptation = adaptation ?? NoiseAdaptation.Off;
        StopThreshold = stopThreshold;
        HasStops = !double.IsNaN(stopThreshold);
        InitialRateVariance = initialRateStd * initialRateStd;
        MeasurementDimension = measurementDimension;
        GateConfidence = gateConfidence;
        NisGate = gateConfidence >= 1 ? double.PositiveInfinity : ChiSquared.InvCDF(measurementDimension, gateConfidence);
        MaxGapTicks = maxGap.Ticks;
        MaxReorderTicks = maxReorder.Ticks;
        MaxConsecutiveOutliers = maxConsecutiveOutliers;
        Min = min;
        Max = max;
    }

    /// <summary>q, level²/s³.</summary>
    public double ProcessNoise { get; }

    /// <summary>τ &gt; 0, seconds (+∞: none): the spectral density used over an interval dt (type summary).</summary>
    public double ProcessNoiseHorizon { get; }

    /// <summary>The spectral density used to predict over <paramref name="dt"/> seconds with
    /// process-noise scale <paramref name="scale"/>: α·q for dt ≤ τ, α·q·τ/dt beyond.</summary>
    public double SpectralDensity(double dt, double scale) =>
        dt <= ProcessNoiseHorizon ? ProcessNoise * scale : ProcessNoise * scale * ProcessNoiseHorizon / dt;

    /// <summary>H &gt; 0, seconds (+∞: none): how far past the last reading an estimate extrapolates the trend (type summary).</summary>
    public double TrendHorizon { get; }

    /// <summary>The level predicted <paramref name="dt"/> ≥ 0 seconds past a state [<paramref name="level"/>,
    /// <paramref name="rate"/>] for an estimate: ℓ + min(dt, H)·ṙ.</summary>
    public double ExtrapolateLevel(double level, double rate, double dt) => level + (Math.Min(dt, TrendHorizon) * rate);

    /// <summary>σᵣ₀², (level/s)².</summary>
    public double InitialRateVariance { get; }

    /// <summary>m, the measurement dimension the gate is computed for.</summary>
    public int MeasurementDimension { get; }

    /// <summary>c, the gate confidence.</summary>
    public double GateConfidence { get; }

    /// <summary>γ = F⁻¹χ²(m)(c): measurements with NIS &gt; γ are outliers.</summary>
    public double NisGate { get; }

    public long MaxGapTicks { get; }

    public long MaxReorderTicks { get; }

    public int MaxConsecutiveOutliers { get; }

    /// <summary>Measurement-noise adaptation (<see cref="NoiseAdaptation.Off"/> when fixed).</summary>
    public NoiseAdaptation Adaptation { get; }

    /// <summary>θ of the stop regime, NaN when the channel has none.</summary>
    public double StopThreshold { get; }

    /// <summary>True when the channel has a stop regime (θ not NaN).</summary>
    public bool HasStops { get; }

    /// <summary>Lower clamp of the reported level.</summary>
    public double Min { get; }

    /// <summary>Upper clamp of the reported level.</summary>
    public double Max { get; }

    /// <summary>The reported value: <paramref name="level"/> clamped to [<see cref="Min"/>, <see cref="Max"/>].</summary>
    public double Clamp(double level) => Math.Clamp(level, Min, Max);
}
