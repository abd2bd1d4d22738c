using MathNet.Numerics.Distributions;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Xunit.Abstractions;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>Behaviour of the scalar channels on synthetic ground truth (seeded, reproducible).</summary>
public sealed class LevelTrendFilterTests(ITestOutputHelper output)
{
    private static readonly SensorNoise Watch = SensorNoiseProfiles.Watch;

    /// <summary>A workout: rest 60, smooth rise to 150, hold, abrupt exponential recovery to 80 (τ = 60 s).</summary>
    private static double WorkoutHr(double t) => t switch
    {
        < 120 => 60,
        < 300 => 60 + 90 * (1 - Math.Cos(Math.PI * (t - 120) / 180)) / 2,
        < 600 => 150 + 5 * Math.Sin((t - 300) / 30),
        _ => 80 + (150 + 5 * Math.Sin(10) - 80) * Math.Exp(-(t - 600) / 60),
    };

    [Fact]
    public void FilteredHrRmseIsAtMostHalfTheRawRmseOnSyntheticWorkout()
    {
        // Oracle: the known ground truth. Watch noise σ = 4 bpm, dt ~ U(0.5, 1.5) s, 10% missing.
        var bank = new UserFilterBank(Fixed);
        var rng = new Random(3);
        var noise = StandardNormal(4);
        double rawSq = 0, filteredSq = 0;
        var n = 0;
        for (var t = 0.0; t < 900; t += 0.5 + rng.NextDouble())
        {
            var truth = WorkoutHr(t);
            var z = truth + Watch.HrStd * noise.Sample();
            if (rng.NextDouble() < 0.1)
            {
                continue;
            }

            bank.Apply(HrReading(At(t), z), Watch);
            var estimate = bank.Estimate(At(t)).Hr;
            rawSq += (z - truth) * (z - truth);
            filteredSq += (estimate - truth) * (estimate - truth);
            n++;
        }

        var raw = Math.Sqrt(rawSq / n);
        var filtered = Math.Sqrt(filteredSq / n);
        output.WriteLine($"HR RMSE raw {raw:F3} bpm, filtered {filtered:F3} bpm, ratio {filtered / raw:F3}");
        raw.Should().BeApproximately(Watch.HrStd, 0.5, "the raw error is the sensor noise");
        filtered.Should().BeLessThanOrEqualTo(0.5 * raw, "filtered RMSE {0:F2} vs raw {1:F2}", filtered, raw);
        bank.Statistics(FilterChannel.Hr).Outliers.Should().Be(0, "a physiological workout is never gated");
    }

    [Fact]
    public void MeanNisOfConsistentScalarSimulationLiesInChiSquareBand()
    {
        // Oracle: for a consistent filter Σ NIS over N scalar updates ~ χ²(N); 95% band via MathNet ChiSquared.
        // Truth simulated from the filter's own CWNA model (default HR q, σᵣ₀) with watch noise.
        var model = Fixed.Models.Hr;
        var r = Watch.HrStd * Watch.HrStd;
        var normal = StandardNormal(21);
        var rng = new Random(22);
        double nisSum = 0;
        long updates = 0, outliers = 0;
        for (var run = 0; run < 20; run++)
        {
            var filter = default(LevelTrendFilter);
            double level = 100, rate = Math.Sqrt(model.InitialRateVariance) * normal.Sample(), t = 0;
            for (var k = 0; k < 250; k++)
            {
                var dt = 0.2 + 2.8 * rng.NextDouble();
                var (wl, wr) = CwnaNoise(normal, model.ProcessNoise, dt);
                level += dt * rate + wl;
                rate += wr;
                t += dt;
                filter.Update(model, At(t), level + Watch.HrStd * normal.Sample(), r);
            }

            nisSum += filter.NisSum;
            updates += filter.Updates;
            outliers += filter.Outliers;
        }

        var lower = ChiSquared.InvCDF(updates, 0.025) / updates;
        var upper = ChiSquared.InvCDF(updates, 0.975) / updates;
        output.WriteLine($"mean NIS {nisSum / updates:F4} over {updates} updates, 95% band [{lower:F4}, {upper:F4}], outliers {outliers}");
        (nisSum / updates).Should().BeInRange(lower, upper);
        outliers.Should().BeLessThanOrEqualTo(3, "a 0.9999 gate rejects ≈ 1 in 10⁴ consistent readings");
    }

    [Fact]
    public void OutlierBurstIsGatedCountedAndLeavesRestingEstimateSane()
    {
        var bank = new UserFilterBank(Fixed);
        var noise = StandardNormal(5);
        var t = 0;
        for (; t < 120; t++)
        {
            bank.Apply(HrReading(At(t), 60 + Watch.HrStd * noise.Sample()), Watch).Outliers.Should().Be(FilterChannels.None);
        }

        for (var i = 0; i < 5; i++, t++)
        {
            var result = bank.Apply(HrReading(At(t), 240), Watch);
            result.Outliers.Should().Be(FilterChannels.Hr);
            result.Applied.Should().Be(FilterChannels.None);
            bank.Estimate(At(t)).Hr.Should().BeInRange(50, 70);
        }

        for (var end = t + 60; t < end; t++)
        {
            bank.Apply(HrReading(At(t), 60 + Watch.HrStd * noise.Sample()), Watch);
            bank.Estimate(At(t)).Hr.Should().BeInRange(50, 70);
        }

        bank.Statistics(FilterChannel.Hr).Outliers.Should().Be(5);
        // 185 readings: the first initialises (no NIS), 179 updates, 5 outliers.
        bank.Statistics(FilterChannel.Hr).Updates.Should().Be(179);
        bank.Statistics(FilterChannel.Hr).OutlierShare.Should().BeApproximately(5.0 / 184, 1e-12);
    }

    [Fact]
    public void SustainedStepChangeIsFollowedAfterTheOutlierRunResetsTheChannel()
    {
        var bank = new UserFilterBank(Fixed);
        var noise = StandardNormal(6);
        var t = 0;
        for (; t < 120; t++)
        {
            bank.Apply(HrReading(At(t), 60 + Watch.HrStd * noise.Sample()), Watch);
        }

        var runLength = FilterOptions.Default.MaxConsecutiveOutliers;
        for (var i = 1; i <= runLength; i++, t++)
        {
            var result = bank.Apply(HrReading(At(t), 150 + Watch.HrStd * noise.Sample()), Watch);
            result.Outliers.Should().Be(FilterChannels.Hr);
            result.Reset.Should().Be(i == runLength ? FilterChannels.Hr : FilterChannels.None);
        }

        for (var end = t + 30; t < end; t++)
        {
            bank.Apply(HrReading(At(t), 150 + Watch.HrStd * noise.Sample()), Watch).Outliers.Should().Be(FilterChannels.None);
        }

        bank.Estimate(At(t)).Hr.Should().BeApproximately(150, 6);
    }

    [Fact]
    public void LongGapMakesTheChannelStaleAndTheNextReadingReinitialisesIt()
    {
        var bank = new UserFilterBank(Fixed);
        for (var t = 0; t < 60; t++)
        {
            bank.Apply(HrReading(At(t), 70 + t * 0.5), Watch);
        }

        var maxGap = FilterOptions.Default.MaxGap.TotalSeconds;
        bank.Estimate(At(59 + maxGap)).Hr.Should().NotBe(double.NaN, "within the max gap the prediction stands");
        var stale = bank.Estimate(At(60 + maxGap));
        stale.Hr.Should().Be(double.NaN);
        stale.HrStd.Should().Be(double.NaN);
        stale.HrTrendPerMin.Should().Be(double.NaN);

        var result = bank.Apply(HrReading(At(60 + maxGap), 62), Watch);
        result.Reset.Should().Be(FilterChannels.Hr);
        var fresh = bank.Estimate(At(60 + maxGap));
        fresh.Hr.Should().Be(62, "the stale trend is discarded, not extrapolated");
        fresh.HrStd.Should().BeApproximately(Watch.HrStd, 1e-12, "P₀ = R");
        fresh.HrTrendPerMin.Should().Be(0);
    }

    [Fact]
    public void EstimateStdGrowsWithTheHorizonAndEstimateDoesNotChangeTheBank()
    {
        var bank = new UserFilterBank(Fixed);
        var noise = StandardNormal(8);
        for (var t = 0; t < 100; t++)
        {
            bank.Apply(HrReading(At(t), 80 + Watch.HrStd * noise.Sample()), Watch);
        }

        var before = bank.Snapshot();
        var stds = new[] { 0, 1, 10, 60, 300 }.Select(s => bank.Estimate(At(99 + s)).HrStd).ToArray();
        stds.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        stds.Should().OnlyContain(s => double.IsFinite(s));
        bank.Snapshot().Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
    }

    [Fact]
    public void SameTimestampUpdatesWithoutPredictLateReadingsWithinReorderAreAppliedOlderOnesAreStale()
    {
        var model = Fixed.Models.Hr;
        var filter = default(LevelTrendFilter);
        filter.Update(model, At(0), 60, 16).Should().Be(FilterOutcome.Initialised);
        filter.Update(model, At(1), 61, 16).Should().Be(FilterOutcome.Updated);
        var (p00, last) = (filter.P00, filter.LastUpdateUtcTicks);

        // dt = 0: update without predict, so the variance can only shrink (oracle: p₀₀⁺ = p₀₀r/(p₀₀ + r)).
        filter.Update(model, At(1), 61, 16).Should().Be(FilterOutcome.Updated);
        filter.P00.Should().BeApproximately(p00 * 16 / (p00 + 16), 1e-12);
        filter.LastUpdateUtcTicks.Should().Be(last);

        // 3 s late (≤ max reorder 5 s): applied without predict, time does not go backwards.
        filter.Update(model, At(-2), 61, 16).Should().Be(FilterOutcome.Updated);
        filter.LastUpdateUtcTicks.Should().Be(last);

        // 6 s late: dropped.
        var updates = filter.Updates;
        filter.Update(model, At(-5), 61, 16).Should().Be(FilterOutcome.Stale);
        filter.Updates.Should().Be(updates);

        var bank = new UserFilterBank(Fixed);
        bank.Apply(HrReading(At(10), 60), Watch);
        bank.Apply(HrReading(At(0), 60), Watch).Stale.Should().Be(FilterChannels.Hr);
    }

    [Fact]
    public void AnEstimateCarriesTheTrendAtMostTheTrendHorizonPastTheLastReading()
    {
        // Two noisy speeds of a phone at rest, 30 s apart: a "trend" of 0.017 m/s² that is pure noise.
        var held = new UserFilterBank(Fixed);
        var carried = new UserFilterBank(new FilterOptions { Adaptation = Fixed.Adaptation, TrendHorizon = TimeSpan.MaxValue });
        foreach (var bank in new[] { held, carried })
        {
            bank.Apply(SpeedReading(At(0), 0), SensorNoiseProfiles.Phone);
            bank.Apply(SpeedReading(At(30), 0.52), SensorNoiseProfiles.Phone);
        }

        var speed = held.Speed;
        speed.Rate.Should().BeGreaterThan(0.01);
        held.Estimate(At(35)).Speed.Should().BeApproximately(speed.Level + 5 * speed.Rate, 1e-12, "within the horizon the trend is carried");
        var later = held.Estimate(At(330));
        later.Speed.Should().BeApproximately(speed.Level + 10 * speed.Rate, 1e-12, "five minutes later the level is held where the horizon ends");
        later.Speed.Should().BeLessThan(0.8);
        carried.Estimate(At(330)).Speed.Should().BeApproximately(speed.Level + 300 * speed.Rate, 1e-9, "without a horizon: ℓ + dt·ṙ");
        carried.Estimate(At(330)).Speed.Should().BeGreaterThan(5, "the noise trend carried for five minutes");
        later.SpeedStd.Should().Be(carried.Estimate(At(330)).SpeedStd, "the horizon moves the mean, not the variance");
        later.SpeedStd.Should().BeGreaterThan(held.Estimate(At(35)).SpeedStd);
    }

    [Fact]
    public void TheTrendHorizonMustBePositive()
    {
        new FilterOptions { TrendHorizon = TimeSpan.Zero }.Validate().Should().ContainSingle().Which.Should().Contain("TrendHorizon");
        var build = () => new ChannelModel(0.1, 0.5, 1, 0.9999, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5), 10, trendHorizon: 0);
        build.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void ReportedValuesStayInsidePhysicalRanges()
    {
        var bank = new UserFilterBank(Fixed);
        for (var t = 0; t <= 20; t++)
        {
            // HR racing up to the top of the range while speed falls to a stop.
            bank.Apply(new Reading(0, At(t), 230 + t, Math.Max(0, 4 - 0.2 * t), double.NaN, double.NaN, double.NaN, double.NaN), Watch);
        }

        var ahead = bank.Estimate(At(80));
        ahead.Hr.Should().Be(UserFilterBank.MaxHr, "the extrapolated trend would pass 250 bpm");
        ahead.HrTrendPerMin.Should().BeInRange(-UserFilterBank.MaxHrTrendPerMin, UserFilterBank.MaxHrTrendPerMin);
        ahead.Speed.Should().Be(0, "the extrapolated deceleration would go below 0");
        bank.Speed.TryPredict(Fixed.Models.Speed, At(80), out var rawSpeed, out _, out _).Should().BeTrue();
        rawSpeed.Should().BeNegative("only the report is clamped, not the filter state");
    }
}
