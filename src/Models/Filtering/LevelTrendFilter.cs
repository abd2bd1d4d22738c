namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Hot-path 2-state Kalman filter x = [ℓ, ṙ] (level and its rate per second) under the
/// continuous white-noise-acceleration (CWNA) model, for heart rate (bpm, bpm/s), speed
/// (m/s, m/s²), cadence (spm, spm/s) and dynamic acceleration (m/s², m/s³). Hand-unrolled on
/// plain doubles: no allocation, no MathNet; it agrees with <see cref="KalmanFilter"/> to 1e-9.
/// <para>Predict over the actual dt = tₖ − tₖ₋₁ (s) of each measurement:
/// x̂ₖ⁻ = F x̂ₖ₋₁, Pₖ⁻ = F P Fᵀ + Q, F = [[1, dt], [0, 1]], Q = q·[[dt³/3, dt²/2], [dt²/2, dt]].
/// Q is the exact discretisation of the continuous model, so one predict over dt₁ + dt₂ equals
/// two over dt₁ then dt₂ (a missing measurement is simply no call).</para>
/// <para>Update with a scalar zₖ, H = [1, 0], R = r = σ² of the reporting device:
/// y = zₖ − ℓ⁻, S = p₀₀⁻ + r, K = [p₀₀⁻, p₀₁⁻]/S, x̂ₖ = x̂ₖ⁻ + K y,
/// P = (I − KH)P⁻(I − KH)ᵀ + K r Kᵀ (Joseph form), NIS = y²/S.</para>
/// <para>Rules (thresholds in <see cref="ChannelModel"/>): the first measurement initialises
/// x̂ = [z, 0], P = diag(r, σᵣ₀²); dt ≤ 0 (same time or at most max-reorder late) updates
/// without predicting; an older measurement is dropped (<see cref="FilterOutcome.Stale"/>);
/// dt &gt; max gap re-initialises; NIS &gt; γ is an outlier (predict only, counted), and the
/// N-th outlier in a row re-initialises on that measurement so a real step change is followed.</para>
/// <para>A mutable struct held in a field of its owner (<see cref="UserFilterBank"/>): call
/// its methods on the field, never on a copy. Size: 72 bytes.</para>
/// </summary>
public struct LevelTrendFilter
{
    private double _level;
    private double _rate;
    private double _p00;
    private double _p01;
    private double _p11;
    private long _lastTicks;
    private double _nisSum;
    private int _updates;
    private int _outliers;
    private int _consecutiveOutliers;
    private bool _active;

    /// <summary>True once a measurement initialised the channel.</summary>
    public readonly bool IsActive => _active;

    /// <summary>ℓ, the level estimate at <see cref="LastUpdateUtcTicks"/> (not clamped).</summary>
    public readonly double Level => _level;

    /// <summary>ṙ, the rate estimate, level units per second.</summary>
    public readonly double Rate => _rate;

    /// <summary>p₀₀ = Var(ℓ).</summary>
    public readonly double P00 => _p00;

    /// <summary>p₀₁ = Cov(ℓ, ṙ).</summary>
    public readonly double P01 => _p01;

    /// <summary>p₁₁ = Var(ṙ).</summary>
    public readonly double P11 => _p11;

    /// <summary>Time (UTC ticks) the state refers to: the latest measurement applied or gated.</summary>
    public readonly long LastUpdateUtcTicks => _lastTicks;

    /// <summary>Measurements that passed the gate and were applied (initialisations excluded).</summary>
    public readonly int Updates => _updates;

    /// <summary>Measurements rejected by the gate, over the filter's life.</summary>
    public readonly int Outliers => _outliers;

    /// <summary>Outliers since the last applied measurement.</summary>
    public readonly int ConsecutiveOutliers => _consecutiveOutliers;

    /// <summary>Mean NIS over the applied updates (≈ 1 for a consistent scalar channel), NaN before the first.</summary>
    public readonly double MeanNis => _updates == 0 ? double.NaN : _nisSum / _updates;

    /// <summary>Σ NIS over the applied updates.</summary>
    public readonly double NisSum => _nisSum;

    /// <summary>
    /// Applies measurement <paramref name="z"/> taken at <paramref name="atUtcTicks"/> with
    /// variance <paramref name="r"/> = σ² (&gt; 0) under <paramref name="model"/> (rules in the
    /// type summary).
    /// </summary>
    public FilterOutcome Update(ChannelModel model, long atUtcTicks, double z, double r)
    {
        if (!_active)
        {
            Initialise(model, atUtcTicks, z, r);
            return FilterOutcome.Initialised;
        }

        var dTicks = atUtcTicks - _lastTicks;
        if (dTicks > model.MaxGapTicks)
        {
            Initialise(model, atUtcTicks, z, r);
            return FilterOutcome.Initialised;
        }

        if (dTicks < -model.MaxReorderTicks)
        {
            return FilterOutcome.Stale;
        }

        if (dTicks > 0)
        {
            var dt = Cwna.Seconds(dTicks);
            _level += dt * _rate;
            Cwna.PredictCovariance(ref _p00, ref _p01, ref _p11, dt, model.ProcessNoise);
            _lastTicks = atUtcTicks;
        }

        var y = z - _level;
        var s = _p00 + r;
        var nis = y * y / s;
        if (!(nis <= model.NisGate))
        {
            _outliers++;
            if (++_consecutiveOutliers >= model.MaxConsecutiveOutliers)
            {
                Initialise(model, _lastTicks, z, r); // _lastTicks = max(tₖ, tₖ₋₁)
                return FilterOutcome.OutlierReset;
            }

            return FilterOutcome.Outlier;
        }

        var k0 = _p00 / s;
        var k1 = _p01 / s;
        _level += k0 * y;
        _rate += k1 * y;
        Cwna.JosephUpdate(ref _p00, ref _p01, ref _p11, k0, k1, r);
        _nisSum += nis;
        _updates++;
        _consecutiveOutliers = 0;
        return FilterOutcome.Updated;
    }

    /// <summary>
    /// The estimate predicted forward to <paramref name="atUtcTicks"/> without changing the
    /// filter: ℓ⁻ = ℓ + dt·ṙ, Var(ℓ⁻) = p₀₀ + 2dt·p₀₁ + dt²·p₁₁ + q·dt³/3 (no prediction
    /// backwards: dt ≤ 0 returns the current state). False while inactive or when the channel
    /// has been silent for longer than the max gap at that time.
    /// </summary>
    public readonly bool TryPredict(ChannelModel model, long atUtcTicks, out double level, out double rate, out double levelVariance)
    {
        var dTicks = atUtcTicks - _lastTicks;
        if (!_active || dTicks > model.MaxGapTicks)
        {
            level = rate = levelVariance = double.NaN;
            return false;
        }

        double p00 = _p00, p01 = _p01, p11 = _p11;
        level = _level;
        if (dTicks > 0)
        {
            var dt = Cwna.Seconds(dTicks);
            level += dt * _rate;
            Cwna.PredictCovariance(ref p00, ref p01, ref p11, dt, model.ProcessNoise);
        }

        rate = _rate;
        levelVariance = p00;
        return true;
    }

    private void Initialise(ChannelModel model, long atUtcTicks, double z, double r)
    {
        _level = z;
        _rate = 0.0;
        _p00 = r;
        _p01 = 0.0;
        _p11 = model.InitialRateVariance;
        _lastTicks = atUtcTicks;
        _consecutiveOutliers = 0;
        _active = true;
    }

    /// <summary>Writes [ℓ, ṙ, p₀₀, p₀₁, p₁₁] and [active, updates, outliers, consecutive outliers].</summary>
    internal readonly void Export(Span<double> values, Span<long> counters, out long lastTicks, out double nisSum)
    {
        values[0] = _level;
        values[1] = _rate;
        values[2] = _p00;
        values[3] = _p01;
        values[4] = _p11;
        counters[0] = _active ? 1 : 0;
        counters[1] = _updates;
        counters[2] = _outliers;
        counters[3] = _consecutiveOutliers;
        lastTicks = _lastTicks;
        nisSum = _nisSum;
    }

    /// <summary>Inverse of <see cref="Export"/>.</summary>
    internal static LevelTrendFilter Import(ReadOnlySpan<double> values, ReadOnlySpan<long> counters, long lastTicks, double nisSum) => new()
    {
        _level = values[0],
        _rate = values[1],
        _p00 = values[2],
        _p01 = values[3],
        _p11 = values[4],
        _active = counters[0] != 0,
        _updates = checked((int)counters[1]),
        _outliers = checked((int)counters[2]),
        _consecutiveOutliers = checked((int)counters[3]),
        _lastTicks = lastTicks,
        _nisSum = nisSum,
    };
}
