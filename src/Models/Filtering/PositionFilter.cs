namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Hot-path 4-state 2-D constant-velocity Kalman filter x = [x, y, vₓ, v_y] (metres east and
/// north on a <see cref="LocalTangentPlane"/>, m/s) under the CWNA model with spectral
/// density q (m²/s³) per axis. Hand-unrolled, allocation-free; agrees with the 4-state
/// <see cref="KalmanFilter"/> to 1e-9.
/// <para>Predict: F = [[I, dt·I], [0, I]], Q = q·[[dt³/3·I, dt²/2·I], [dt²/2·I, dt·I]].
/// Update with z = (x, y) of a fix projected onto the plane, H = [I, 0], R = R̂I (R̂ adapted per
/// device kind from its prior σ² by bounded covariance matching with m = 2, process noise q·α,
/// <see cref="NoiseAdaptation"/>; R̂ = σ² when adaptation is off):
/// y = z − Hx̂⁻, S = H P⁻ Hᵀ + R, K = P⁻HᵀS⁻¹, x̂ = x̂⁻ + Ky, P = (I − KH)P⁻(I − KH)ᵀ + KRKᵀ,
/// NIS = yᵀS⁻¹y, gated against χ²(2).</para>
/// <para>Structure used: F, Q, H and R = σ²I act identically and independently on both axes
/// and P₀ = diag(σ², σ², σᵥ₀², σᵥ₀²), so P stays block-diagonal with the same 2×2 block
/// [[p₀₀, p₀₁], [p₀₁, p₁₁]] for each axis at every step (the reference test checks the full
/// 4×4 against it). Only that block is stored; S = (p₀₀ + σ²)I, K = [p₀₀, p₀₁]/s per axis,
/// NIS = (yₓ² + y_y²)/s.</para>
/// <para>Origin: the first fix of a track segment, i.e. chosen again at every
/// (re-)initialisation. Reported position std is the 2-D RMS radius √(Pₓₓ + P_yy) = √(2p₀₀)
/// metres. Timing rules (first fix, dt ≤ 0, max gap, stale, outlier runs) are those of
/// <see cref="LevelTrendFilter"/>, and so is the adaptive state (two device-kind slots, α).
/// Mutable struct: call it on its field. Size: 176 bytes.</para>
/// </summary>
public struct PositionFilter
{
    private double _x;
    private double _y;
    private double _vx;
    private double _vy;
    private double _p00;
    private double _p01;
    private double _p11;
    private LocalTangentPlane _plane;
    private long _lastTicks;
    private double _nisSum;
    private int _updates;
    private int _outliers;
    private int _consecutiveOutliers;
    private bool _active;
    private AdaptiveNoise _noise;
    private long _lastAcceptedTicks;

    public readonly bool IsActive => _active;

    /// <summary>x, metres east of the origin.</summary>
    public readonly double X => _x;

    /// <summary>y, metres north of the origin.</summary>
    public readonly double Y => _y;

    /// <summary>vₓ, m/s east.</summary>
    public readonly double Vx => _vx;

    /// <summary>v_y, m/s north.</summary>
    public readonly double Vy => _vy;

    /// <summary>p₀₀ = Var(x) = Var(y), m².</summary>
    public readonly double P00 => _p00;

    /// <summary>p₀₁ = Cov(x, vₓ) = Cov(y, v_y), m²/s.</summary>
    public readonly double P01 => _p01;

    /// <summary>p₁₁ = Var(vₓ) = Var(v_y), m²/s².</summary>
    public readonly double P11 => _p11;

    /// <summary>The projection of the current track segment.</summary>
    public readonly LocalTangentPlane Plane => _plane;

    public readonly long LastUpdateUtcTicks => _lastTicks;

    public readonly int Updates => _updates;

    public readonly int Outliers => _outliers;

    public readonly int ConsecutiveOutliers => _consecutiveOutliers;

    /// <summary>Mean NIS over applied updates (≈ 2 for a consistent 2-D channel), NaN before the first.</summary>
    public readonly double MeanNis => _updates == 0 ? double.NaN : _nisSum / _updates;

    public readonly double NisSum => _nisSum;

    /// <summary>α, the adapted scale of the process noise q (1 when adaptation is off).</summary>
    public readonly double ProcessScale => _noise.ProcessScale;

    /// <summary>Time (UTC ticks) of the latest fix that was applied; 0 before the first.</summary>
    public readonly long LastAcceptedUtcTicks => _lastAcceptedTicks;

    /// <summary>R̂ (per axis, m²) currently used for a device kind with prior <paramref name="prior"/> = σ².</summary>
    public readonly double MeasurementVariance(double prior) => _noise.MeasurementVariance(prior);

    /// <summary>Applies the fix (<paramref name="latDeg"/>, <paramref name="lonDeg"/>) with per-axis variance <paramref name="r"/> = σ² m².</summary>
    public FilterOutcome Update(ChannelModel model, long atUtcTicks, double latDeg, double lonDeg, double r)
    {
        var adaptation = model.Adaptation;
        var noise = _noise.Noise(adaptation, r, out var slot);
        if (!_active)
        {
            Initialise(model, atUtcTicks, latDeg, lonDeg, noise);
            return FilterOutcome.Initialised;
        }

        var dTicks = atUtcTicks - _lastTicks;
        if (dTicks > model.MaxGapTicks)
        {
            Initialise(model, atUtcTicks, latDeg, lonDeg, noise);
            return FilterOutcome.Initialised;
        }

        if (dTicks < -model.MaxReorderTicks)
        {
            return FilterOutcome.Stale;
        }

        if (dTicks > 0)
        {
            var dt = Cwna.Seconds(dTicks);
            _x += dt * _vx;
            _y += dt * _vy;
            Cwna.PredictCovariance(ref _p00, ref _p01, ref _p11, dt, model.SpectralDensity(dt, _noise.ProcessScale));
            _lastTicks = atUtcTicks;
        }

        _plane.ToLocal(latDeg, lonDeg, out var zx, out var zy);
        var yx = zx - _x;
        var yy = zy - _y;
        var predicted = _p00;
        var s = predicted + noise;
        var squared = yx * yx + yy * yy;
        var nis = squared / s;
        if (!(nis <= model.NisGate))
        {
            _outliers++;
            _noise.Gated(adaptation);
            _p00 += adaptation.OutlierBurst(squared, model.NisGate);
            if (++_consecutiveOutliers >= model.MaxConsecutiveOutliers)
            {
                Initialise(model, _lastTicks, latDeg, lonDeg, noise); // _lastTicks = max(tₖ, tₖ₋₁)
                return FilterOutcome.OutlierReset;
            }

            return FilterOutcome.Outlier;
        }

        var k0 = _p00 / s;
        var k1 = _p01 / s;
        _x += k0 * yx;
        _y += k0 * yy;
        _vx += k1 * yx;
        _vy += k1 * yy;
        Cwna.JosephUpdate(ref _p00, ref _p01, ref _p11, k0, k1, noise);
        var factor = _noise.Learn(adaptation, slot, r, yx, yy, 2, predicted, s, _updates);
        _p00 *= factor;
        _p01 *= factor;
        _p11 *= factor;
        _nisSum += nis;
        _updates++;
        _consecutiveOutliers = 0;
        _lastAcceptedTicks = _lastTicks;
        return FilterOutcome.Updated;
    }

    /// <summary>
    /// The position predicted forward to <paramref name="atUtcTicks"/> without changing the
    /// filter (x⁻ = x + dt·vₓ, …, Var = p₀₀ + 2dt·p₀₁ + dt²·p₁₁ + q·dt³/3 per axis), as
    /// degrees and the 2-D RMS radius √(2·Var) in metres. False while inactive or beyond the max gap.
    /// </summary>
    public readonly bool TryPredict(ChannelModel model, long atUtcTicks, out double latDeg, out double lonDeg, out double stdMetres)
    {
        var dTicks = atUtcTicks - _lastTicks;
        if (!_active || dTicks > model.MaxGapTicks)
        {
            latDeg = lonDeg = stdMetres = double.NaN;
            return false;
        }

        double p00 = _p00, p01 = _p01, p11 = _p11, x = _x, y = _y;
        if (dTicks > 0)
        {
            var dt = Cwna.Seconds(dTicks);
            x += dt * _vx;
            y += dt * _vy;
            Cwna.PredictCovariance(ref p00, ref p01, ref p11, dt, model.SpectralDensity(dt, _noise.ProcessScale));
        }

        _plane.ToGeodetic(x, y, out latDeg, out lonDeg);
        stdMetres = Math.Sqrt(2.0 * p00);
        return true;
    }

    private void Initialise(ChannelModel model, long atUtcTicks, double latDeg, double lonDeg, double r)
    {
        _plane = new LocalTangentPlane(latDeg, lonDeg);
        _x = _y = _vx = _vy = 0.0;
        _p00 = r;
        _p01 = 0.0;
        _p11 = model.InitialRateVariance;
        _lastTicks = atUtcTicks;
        _lastAcceptedTicks = atUtcTicks;
        _consecutiveOutliers = 0;
        _active = true;
        _noise.Restart();
    }

    /// <summary>Writes [x, y, vₓ, v_y, p₀₀, p₀₁, p₁₁, φ₀, λ₀, cos φ₀] and [active, updates, outliers, consecutive outliers].</summary>
    internal readonly void Export(Span<double> values, Span<long> counters, out long lastTicks, out double nisSum,
        Span<double> adaptive, Span<long> extra)
    {
        _noise.Export(adaptive);
        extra[0] = _updates;
        extra[1] = 0;
        extra[2] = _lastAcceptedTicks;
        values[0] = _x;
        values[1] = _y;
        values[2] = _vx;
        values[3] = _vy;
        values[4] = _p00;
        values[5] = _p01;
        values[6] = _p11;
        values[7] = _plane.OriginLatDeg;
        values[8] = _plane.OriginLonDeg;
        values[9] = _plane.CosOriginLat;
        counters[0] = _active ? 1 : 0;
        counters[1] = _updates;
        counters[2] = _outliers;
        counters[3] = _consecutiveOutliers;
        lastTicks = _lastTicks;
        nisSum = _nisSum;
    }

    /// <summary>Inverse of <see cref="Export"/>; empty adaptive/extra spans (an older checkpoint)
    /// restore the device priors, α = 1 and the last update as the last accepted fix.</summary>
    internal static PositionFilter Import(ReadOnlySpan<double> values, ReadOnlySpan<long> counters, long lastTicks, double nisSum,
        ReadOnlySpan<double> adaptive, ReadOnlySpan<long> extra) => new()
    {
        _noise = AdaptiveNoise.Import(adaptive, counters[0] != 0),
        _lastAcceptedTicks = extra.IsEmpty ? lastTicks : extra[2],
        _x = values[0],
        _y = values[1],
        _vx = values[2],
        _vy = values[3],
        _p00 = values[4],
        _p01 = values[5],
        _p11 = values[6],
        _plane = new LocalTangentPlane(values[7], values[8], values[9]),
        _active = counters[0] != 0,
        _updates = checked((int)counters[1]),
        _outliers = checked((int)counters[2]),
        _consecutiveOutliers = checked((int)counters[3]),
        _lastTicks = lastTicks,
        _nisSum = nisSum,
    };
}
