using MathNet.Numerics.LinearAlgebra;
using Osr.Orleans.Models.Filtering;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>
/// Oracle: the general MathNet <see cref="KalmanFilter"/> (dense matrices, Joseph form) driven
/// by <see cref="ReferenceCwna"/> on the same inputs. Tolerance 1e-9 relative (|Δ| ≤ 1e-9·max(1, |ref|)).
/// </summary>
public sealed class ReferenceAgreementTests
{
    private const double Tol = 1e-9;

    /// <summary>Irregular times: duplicates (dt = 0), 1 s late readings, 0.1–5 s steps, a few 1-min holes.</summary>
    private static List<(long Ticks, bool Missing, double Noise)> Schedule(int seed, int count)
    {
        var rng = new Random(seed);
        var normal = StandardNormal(seed + 1);
        var steps = new List<(long, bool, double)>();
        var t = 0.0;
        for (var i = 0; i < count; i++)
        {
            var u = rng.NextDouble();
            var dt = u switch
            {
                < 0.05 => 0.0,
                < 0.08 => -1.0,
                < 0.10 => 60.0,
                _ => 0.1 + 4.9 * rng.NextDouble(),
            };
            t += dt;
            var missing = i > 0 && rng.NextDouble() < 0.15;
            if (dt < 0 && missing)
            {
                // A late reading right after a missing one would be late relative to the
                // reference's predict-only step but not to the hot filter's last update.
                missing = false;
            }

            if (dt < 0 && steps.Count > 0 && steps[^1].Item2)
            {
                steps[^1] = steps[^1] with { Item2 = false };
            }

            steps.Add((At(t), missing, normal.Sample()));
        }

        return steps;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LevelTrendFilterAgreesWithMathNetReferenceOnIrregularInputWithGapsAndOutliers(bool adaptive)
    {
        // adaptive: R̂ and α by the NoiseAdaptation equations, computed in the reference from
        // MathNet's own innovation and S (ReferenceCwna); fixed: R = σ², q as configured. The estimates between
        // readings are compared with the exact CWNA prediction, so without a trend horizon (the 1-min holes pass
        // it; the horizon is LevelTrendFilterTests.AnEstimateCarriesTheTrendAtMostTheTrendHorizonPastTheLastReading).
        var options = adaptive ? FilterOptions.Default : Fixed;
        var model = new FilterOptions { Adaptation = options.Adaptation, TrendHorizon = TimeSpan.MaxValue }.Models.Hr;
        var r = 4.0 * 4.0;
        var hot = default(LevelTrendFilter);
        var reference = new ReferenceCwna(model, axes: 1);
        var steps = Schedule(seed: 7, count: 600);
        for (var i = 0; i < steps.Count; i++)
        {
            var (ticks, missing, noise) = steps[i];
            var seconds = (ticks - T0) / (double)TimeSpan.TicksPerSecond;
            var z = 100 + 40 * Math.Sin(seconds / 120.0) + 4 * noise + (i % 97 == 50 ? 80 : 0); // isolated outliers
            if (missing)
            {
                reference.Step(ticks, null, r);
            }
            else
            {
                hot.Update(model, ticks, z, r);
                reference.Step(ticks, [z], r);
            }

            var x = reference.Filter!.State;
            var p = reference.Filter.Covariance;
            hot.TryPredict(model, ticks, out var level, out var rate, out var variance).Should().BeTrue();
            level.ShouldAgree(x[0], Tol, $"level at step {i}");
            rate.ShouldAgree(x[1], Tol, $"rate at step {i}");
            variance.ShouldAgree(p[0, 0], Tol, $"p00 at step {i}");
            if (!missing)
            {
                hot.P01.ShouldAgree(p[0, 1], Tol, $"p01 at step {i}");
                hot.P11.ShouldAgree(p[1, 1], Tol, $"p11 at step {i}");
            }
        }

        hot.MeasurementVariance(r).ShouldAgree(reference.Noise, Tol, "R̂");
        hot.ProcessScale.ShouldAgree(reference.ProcessScale, Tol, "α");
        if (adaptive)
        {
            reference.Noise.Should().NotBe(r, "the adaptation moved R̂");
        }

        reference.Outliers.Should().BeGreaterThan(0, "the input holds outliers for the gate");
        hot.Outliers.Should().Be(reference.Outliers);
        hot.Updates.Should().Be(reference.Updates);
        hot.NisSum.ShouldAgree(reference.NisSum, Tol, "Σ NIS");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PositionFilterAgreesWithFourStateMathNetReferenceOnIrregularInputWithGapsAndOutliers(bool adaptive)
    {
        var model = (adaptive ? FilterOptions.Default : Fixed).Models.Position;
        var r = 5.0 * 5.0;
        var hot = default(PositionFilter);
        var reference = new ReferenceCwna(model, axes: 2);
        var plane = new LocalTangentPlane(52.37, 4.89); // the first fix below is the origin
        var steps = Schedule(seed: 11, count: 600);
        var north = StandardNormal(99);
        for (var i = 0; i < steps.Count; i++)
        {
            var (ticks, missing, noise) = steps[i];
            var seconds = (ticks - T0) / (double)TimeSpan.TicksPerSecond;
            // A loop of radius 300 m at ≈ 3 m/s, 5 m noise, an isolated 150 m jump now and then.
            var jump = i % 89 == 40 ? 150.0 : 0.0;
            var xe = 300 * Math.Sin(seconds / 100.0) + 5 * noise + jump;
            var yn = 300 * (1 - Math.Cos(seconds / 100.0)) + 5 * north.Sample();
            plane.ToGeodetic(xe, yn, out var lat, out var lon);
            if (missing)
            {
                reference.Step(ticks, null, r);
            }
            else
            {
                hot.Update(model, ticks, lat, lon, r);
                hot.Plane.ToLocal(lat, lon, out var zx, out var zy);
                reference.Step(ticks, [zx, zy], r);
            }

            var x = reference.Filter!.State;
            var p = reference.Filter.Covariance;
            hot.TryPredict(model, ticks, out var latHat, out var lonHat, out var std).Should().BeTrue();
            hot.Plane.ToLocal(latHat, lonHat, out var xHat, out var yHat);
            xHat.ShouldAgree(x[0], Tol, $"x at step {i}");
            yHat.ShouldAgree(x[1], Tol, $"y at step {i}");
            std.ShouldAgree(Math.Sqrt(p[0, 0] + p[1, 1]), Tol, $"2-D std at step {i}");
            if (!missing)
            {
                hot.Vx.ShouldAgree(x[2], Tol, $"vx at step {i}");
                hot.Vy.ShouldAgree(x[3], Tol, $"vy at step {i}");
                var scale = Math.Max(1.0, p[0, 0]);
                for (var a = 0; a < 2; a++)
                {
                    hot.P00.ShouldAgree(p[a, a], Tol, $"P[{a},{a}] at step {i}");
                    hot.P01.ShouldAgree(p[a, 2 + a], Tol, $"P[{a},{2 + a}] at step {i}");
                    hot.P11.ShouldAgree(p[2 + a, 2 + a], Tol, $"P[{2 + a},{2 + a}] at step {i}");
                }

                // The cross-axis blocks the hot path does not store are zero in the reference.
                foreach (var (row, col) in new[] { (0, 1), (0, 3), (1, 2), (2, 3) })
                {
                    Math.Abs(p[row, col]).Should().BeLessThanOrEqualTo(Tol * scale, "P[{0},{1}] at step {2}", row, col, i);
                }
            }
        }

        hot.MeasurementVariance(r).ShouldAgree(reference.Noise, Tol, "R̂");
        hot.ProcessScale.ShouldAgree(reference.ProcessScale, Tol, "α");
        if (adaptive)
        {
            reference.Noise.Should().NotBe(r, "the adaptation moved R̂");
        }

        reference.Outliers.Should().BeGreaterThan(0, "the input holds GNSS jumps for the gate");
        hot.Outliers.Should().Be(reference.Outliers);
        hot.Updates.Should().Be(reference.Updates);
        hot.NisSum.ShouldAgree(reference.NisSum, Tol, "Σ NIS");
    }

    [Fact]
    public void ReferenceFilterTreatsMissingMeasurementAsPredictOnly()
    {
        // Oracle: x̂⁻ = F x̂ and P⁻ = F P Fᵀ + Q written out for the 1-axis CWNA model.
        var f = new KalmanFilter(Vector<double>.Build.DenseOfArray([10.0, 2.0]),
            Matrix<double>.Build.DenseOfArray(new[,] { { 4.0, 1.0 }, { 1.0, 3.0 } }));
        var dt = 2.0;
        var q = 0.5;
        f.Predict(KalmanFilter.ConstantVelocityTransition(1, dt), KalmanFilter.ConstantVelocityProcessNoise(1, dt, q));
        var missing = f.Update(Vector<double>.Build.DenseOfArray([double.NaN]),
            KalmanFilter.PositionObservation(1), Matrix<double>.Build.DenseIdentity(1));

        missing.Should().BeNull();
        f.State[0].Should().BeApproximately(10.0 + dt * 2.0, 1e-12);
        f.State[1].Should().BeApproximately(2.0, 1e-12);
        f.Covariance[0, 0].Should().BeApproximately(4 + 2 * dt * 1 + dt * dt * 3 + q * dt * dt * dt / 3, 1e-12);
        f.Covariance[0, 1].Should().BeApproximately(1 + dt * 3 + q * dt * dt / 2, 1e-12);
        f.Covariance[1, 1].Should().BeApproximately(3 + q * dt, 1e-12);
    }

    [Fact]
    public void ReferenceFilterReportsNisAndLeavesStateUnchangedWhenGated()
    {
        // Oracle: scalar case by hand, S = p₀₀ + r = 4 + 1 = 5, y = 20 − 10 = 10, NIS = y²/S = 20.
        var f = new KalmanFilter(Vector<double>.Build.DenseOfArray([10.0, 0.0]),
            Matrix<double>.Build.DenseOfArray(new[,] { { 4.0, 0.0 }, { 0.0, 1.0 } }));
        var update = f.Update(Vector<double>.Build.DenseOfArray([20.0]),
            KalmanFilter.PositionObservation(1), Matrix<double>.Build.DenseIdentity(1), nisGate: 15.0);

        update!.Value.Applied.Should().BeFalse();
        update.Value.Nis.Should().BeApproximately(20.0, 1e-12);
        update.Value.Innovation[0].Should().BeApproximately(10.0, 1e-12);
        f.State[0].Should().Be(10.0);
        f.Covariance[0, 0].Should().Be(4.0);
    }
}
