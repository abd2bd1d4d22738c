using MathNet.Numerics.Distributions;
using Osr.Orleans.Models.Filtering;
using Xunit.Abstractions;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>Behaviour of the 2-D position channel on synthetic ground truth (seeded).</summary>
public sealed class PositionFilterTests(ITestOutputHelper output)
{
    [Fact]
    public void MeanNisOfConsistentPositionSimulationLiesInChiSquareBand()
    {
        // Oracle: Σ NIS over N two-dimensional updates ~ χ²(2N); 95% band via MathNet ChiSquared.
        // Truth simulated from the filter's own model: CWNA per axis (default q), σ = 5 m fixes.
        var model = Fixed.Models.Position;
        const double sigma = 5.0;
        var normal = StandardNormal(51);
        var rng = new Random(52);
        var truthPlane = new LocalTangentPlane(45.0, 7.0);
        double nisSum = 0;
        long updates = 0, outliers = 0;
        for (var run = 0; run < 20; run++)
        {
            var filter = default(PositionFilter);
            var v0 = Math.Sqrt(model.InitialRateVariance);
            double x = 0, y = 0, vx = v0 * normal.Sample(), vy = v0 * normal.Sample(), t = 0;
            for (var k = 0; k < 250; k++)
            {
                var dt = 0.2 + 2.8 * rng.NextDouble();
                var (wx, wvx) = CwnaNoise(normal, model.ProcessNoise, dt);
                var (wy, wvy) = CwnaNoise(normal, model.ProcessNoise, dt);
                x += dt * vx + wx;
                vx += wvx;
                y += dt * vy + wy;
                vy += wvy;
                t += dt;
                truthPlane.ToGeodetic(x + sigma * normal.Sample(), y + sigma * normal.Sample(), out var lat, out var lon);
                filter.Update(model, At(t), lat, lon, sigma * sigma);
            }

            nisSum += filter.NisSum;
            updates += filter.Updates;
            outliers += filter.Outliers;
        }

        var lower = ChiSquared.InvCDF(2 * updates, 0.025) / updates;
        var upper = ChiSquared.InvCDF(2 * updates, 0.975) / updates;
        output.WriteLine($"mean NIS {nisSum / updates:F4} over {updates} updates, 95% band [{lower:F4}, {upper:F4}], outliers {outliers}");
        (nisSum / updates).Should().BeInRange(lower, upper);
        outliers.Should().BeLessThanOrEqualTo(3);
    }

    [Fact]
    public void FilteredPositionIsCloserToTruthThanRawFixesAndGnssJumpsAreGated()
    {
        // Oracle: known ground truth, a runner at 3 m/s on a gentle curve, σ = 5 m fixes at 1 Hz,
        // plus a 200 m multipath jump every 50 s.
        var bank = new UserFilterBank(Fixed);
        var noise = SensorNoiseProfiles.Watch;
        var n = StandardNormal(61);
        var plane = new LocalTangentPlane(51.9, 4.07);
        double rawSq = 0, filteredSq = 0;
        int count = 0, jumps = 0;
        for (var t = 0; t < 600; t++)
        {
            double xt = 3 * t, yt = 100 * Math.Sin(t / 120.0);
            var jump = t % 50 == 25;
            jumps += jump ? 1 : 0;
            var zx = xt + noise.PositionStdMetres * n.Sample() + (jump ? 200 : 0);
            var zy = yt + noise.PositionStdMetres * n.Sample();
            plane.ToGeodetic(zx, zy, out var lat, out var lon);
            var result = bank.Apply(PositionReading(At(t), lat, lon), noise);
            result.Outliers.Should().Be(jump ? FilterChannels.Position : FilterChannels.None, "at t = {0}", t);
            var e = bank.Estimate(At(t));
            plane.ToLocal(e.Lat, e.Lon, out var ex, out var ey);
            if (!jump && t >= 10)
            {
                rawSq += (zx - xt) * (zx - xt) + (zy - yt) * (zy - yt);
                filteredSq += (ex - xt) * (ex - xt) + (ey - yt) * (ey - yt);
                count++;
            }
        }

        var raw = Math.Sqrt(rawSq / count);
        var filtered = Math.Sqrt(filteredSq / count);
        output.WriteLine($"position RMSE raw {raw:F2} m, filtered {filtered:F2} m");
        filtered.Should().BeLessThan(0.8 * raw);
        bank.Statistics(FilterChannel.Position).Outliers.Should().Be(jumps);
    }
}
