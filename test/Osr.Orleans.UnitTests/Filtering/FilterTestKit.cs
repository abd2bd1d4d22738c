using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>Shared helpers of the filtering tests: time, seeded noise, readings, tolerances.</summary>
internal static class FilterTestKit
{
    /// <summary>2026-01-01T00:00Z, the start of every synthetic sequence.</summary>
    public static readonly long T0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>The default options with adaptation off: R = σ² of the device, q as configured (the fixed model).</summary>
    public static readonly FilterOptions Fixed = new() { Adaptation = new AdaptationOptions { Weight = 0 } };

    public static long At(double seconds) => T0 + (long)Math.Round(seconds * TimeSpan.TicksPerSecond);

    /// <summary>Standard normal samples from a seeded <see cref="Random"/> (reproducible).</summary>
    public static Normal StandardNormal(int seed) => new(0.0, 1.0, new Random(seed));

    public static Reading HrReading(long ticks, double hr) =>
        new(0, ticks, hr, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    public static Reading SpeedReading(long ticks, double speed) =>
        new(0, ticks, double.NaN, speed, double.NaN, double.NaN, double.NaN, double.NaN);

    public static Reading PositionReading(long ticks, double lat, double lon) =>
        new(0, ticks, double.NaN, double.NaN, double.NaN, double.NaN, lat, lon);

    /// <summary>|actual − expected| ≤ tol·max(1, |expected|): relative for large, absolute for small values.</summary>
    public static void ShouldAgree(this double actual, double expected, double tol, string what)
    {
        var bound = tol * Math.Max(1.0, Math.Abs(expected));
        Math.Abs(actual - expected).Should().BeLessThanOrEqualTo(bound, "{0}: {1} vs reference {2}", what, actual, expected);
    }

    /// <summary>
    /// One sample of CWNA process noise w ~ N(0, Q(dt)), Q = q·[[dt³/3, dt²/2], [dt²/2, dt]],
    /// via the 2×2 Cholesky factor L (LLᵀ = Q).
    /// </summary>
    public static (double Level, double Rate) CwnaNoise(Normal n, double q, double dt)
    {
        var a = q * dt * dt * dt / 3.0;
        var b = q * dt * dt / 2.0;
        var c = q * dt;
        var l00 = Math.Sqrt(a);
        var l10 = b / l00;
        var l11 = Math.Sqrt(Math.Max(c - l10 * l10, 0.0));
        double u = n.Sample(), v = n.Sample();
        return (l00 * u, l10 * u + l11 * v);
    }
}

/// <summary>
/// Drives the MathNet reference <see cref="KalmanFilter"/> with the same rules as the
/// hot-path filters (first measurement initialises x̂ = [z, 0], P₀ = diag(R, σᵣ₀²); predict
/// only when dt &gt; 0; NIS gate from the same <see cref="ChannelModel"/>). A missing
/// measurement is "predict only" here, while the hot path is simply not called: the two
/// agree because Q is the exact discretisation (F(a+b) = F(b)F(a), Q(a+b) = F(b)Q(a)F(b)ᵀ + Q(b)).
/// Gap re-initialisation, outlier-run resets and stops are not modelled: test inputs avoid them.
/// <para>With the model's adaptation on, it applies the <see cref="NoiseAdaptation"/> equations
/// in matrix form on the reference's own quantities (one device kind, prior r): R = R̂I,
/// Q = α·Q(dt), p⁻ = tr(HP⁻Hᵀ)/m = tr(S − R)/m, νᵀν/m from the MathNet innovation, and on a
/// gated reading P[i,i] += νᵀν/(2γ) for each position axis i.</para>
/// </summary>
internal sealed class ReferenceCwna(ChannelModel model, int axes)
{
    private long _last;
    private double _noise = double.NaN;
    private double _alpha = 1.0;
    private Vector<double>? _lastNormalised;

    public KalmanFilter? Filter { get; private set; }

    public int Updates { get; private set; }

    public int Outliers { get; private set; }

    public double NisSum { get; private set; }

    /// <summary>R̂ in use (the prior until the first adapted update).</summary>
    public double Noise => _noise;

    /// <summary>α in use.</summary>
    public double ProcessScale => _alpha;

    public void Step(long ticks, double[]? z, double prior)
    {
        var adaptation = model.Adaptation;
        if (double.IsNaN(_noise))
        {
            _noise = prior;
        }

        var r = adaptation.IsEnabled ? _noise : prior;
        if (Filter is null)
        {
            if (z is not null)
            {
                var x0 = Vector<double>.Build.Dense(2 * axes);
                var p0 = Matrix<double>.Build.Dense(2 * axes, 2 * axes);
                for (var i = 0; i < axes; i++)
                {
                    x0[i] = z[i];
                    p0[i, i] = r;
                    p0[axes + i, axes + i] = model.InitialRateVariance;
                }

                Filter = new KalmanFilter(x0, p0);
                _last = ticks;
            }

            return;
        }

        (ticks - _last).Should().BeLessThanOrEqualTo(model.MaxGapTicks, "reference inputs stay within the max gap");
        if (ticks > _last)
        {
            var dt = (ticks - _last) / (double)TimeSpan.TicksPerSecond;
            Filter.Predict(KalmanFilter.ConstantVelocityTransition(axes, dt),
                KalmanFilter.ConstantVelocityProcessNoise(axes, dt, model.SpectralDensity(dt, _alpha)));
            _last = ticks;
        }

        if (z is null)
        {
            return;
        }

        var rMatrix = Matrix<double>.Build.DenseIdentity(axes) * r;
        var update = Filter.Update(Vector<double>.Build.DenseOfArray(z), KalmanFilter.PositionObservation(axes),
            rMatrix, model.NisGate);
        update.Should().NotBeNull();
        var innovation = update!.Value.Innovation;
        var squared = innovation.DotProduct(innovation);
        if (update.Value.Applied)
        {
            if (adaptation.IsEnabled)
            {
                var predicted = (update.Value.InnovationCovariance - rMatrix).Trace() / axes;
                _noise = adaptation.NextNoise(_noise, squared / axes, predicted, prior, Updates);
                var normalised = innovation / Math.Sqrt(update.Value.InnovationCovariance.Trace() / axes);
                var correlation = _lastNormalised is null ? 0.0 : normalised.DotProduct(_lastNormalised) / axes;
                _lastNormalised = normalised;
                var factor = adaptation.ConsistencyFactor(squared / axes / (predicted + r), _noise, prior, Updates, predicted / (predicted + r));
                _alpha = adaptation.NextProcessScale(_alpha * factor, correlation);
                Filter = new KalmanFilter(Filter.State, Filter.Covariance * factor);
            }

            Updates++;
            NisSum += update.Value.Nis;
        }
        else
        {
            Outliers++;
            _lastNormalised = null;
            if (adaptation.IsEnabled)
            {
                _alpha = adaptation.AfterOutlier(_alpha);
                var burst = Matrix<double>.Build.Dense(2 * axes, 2 * axes);
                for (var i = 0; i < axes; i++)
                {
                    burst[i, i] = adaptation.OutlierBurst(squared, model.NisGate);
                }

                Filter = new KalmanFilter(Filter.State, Filter.Covariance + burst);
            }
        }
    }
}
