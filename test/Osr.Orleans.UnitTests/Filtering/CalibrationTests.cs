using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Xunit.Abstractions;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>
/// Calibration of the adaptive filters (docs/features.md, "Calibration"): innovation
/// consistency (mean NIS per dimension ≈ 1), gating of stops, one-step tracking error, against
/// the fixed model (R = σ² of the device profile) on the same input.
/// </summary>
public sealed class CalibrationTests(ITestOutputHelper output)
{
    /// <summary>The recorded track sampled at 1 Hz with enough heart-rate readings to judge tracking.</summary>
    private const string OneHertzTrack = "togeojson__tour_hr.tcx";

    [Fact]
    public void RecordedTracksMoveEveryChannelsMeanNisTowardOneAndCadenceStopsAreNotGated()
    {
        // Oracle: the fixed model replayed on the same recording (TrackCalibration), and the χ²(m)
        // expectation E[NIS/m] = 1. On every channel with ≥ 100 readings the adaptive mean NIS/m is
        // closer to 1 (in log ratio) than the fixed model's; cadence gated share < 3 % with the
        // runner's stops modelled (the ride gated 20 %).
        foreach (var file in TrackCalibration.TrackFiles())
        {
            var before = TrackCalibration.Replay(file, Fixed, SensorNoiseProfiles.Watch);
            var after = TrackCalibration.Replay(file, FilterOptions.Default, SensorNoiseProfiles.Watch);
            foreach (var a in after)
            {
                var b = before.Single(x => x.Channel == a.Channel);
                output.WriteLine($"fixed    {b}");
                output.WriteLine($"adaptive {a}");
                if (a.Readings < 100)
                {
                    continue;
                }

                var m = a.Channel == FilterChannel.Position ? 2.0 : 1.0;
                Math.Abs(Math.Log(a.Statistics.MeanNis / m)).Should().BeLessThan(Math.Abs(Math.Log(b.Statistics.MeanNis / m)),
                    "{0} {1}: NIS/m {2} vs fixed {3}", file, a.Channel, a.Statistics.MeanNis / m, b.Statistics.MeanNis / m);
                // Calibration must not buy NIS ≈ 1 with worse tracking where readings come every second: the one-step
                // heart-rate prediction error on the 1 Hz recording is at most the fixed model's.
                if (a.Channel == FilterChannel.Hr && file == OneHertzTrack)
                    a.PredictionRms.Should().BeLessThanOrEqualTo(b.PredictionRms, file);

                if (a.Channel == FilterChannel.Cadence)
                {
                    a.Statistics.OutlierShare.Should().BeLessThan(0.03, file);
                    a.Statistics.Stops.Should().BeGreaterThan(0, "{0} holds cadence 0 while running", file);
                }
            }
        }
    }

    [Fact]
    public void SimulatedBikeRideWithNoiseSmallerThanTheProfilesCalibratesToNisOneAndCoastingIsNotGated()
    {
        // Oracle: a known truth. 3.5 h at 1 Hz, smooth periodic HR, speed, cadence and a circular
        // course (slow enough for the configured q); the sensors are 2.5× less noisy than the bike/chest-strap profiles say (the fixed model's
        // mean NIS is then ≈ 1/2.5² ≈ 0.16, as in the recorded ride of docs/features.md), and the
        // rider coasts 20 s every 5 min (cadence reads exactly 0). Targets: adaptive mean NIS per
        // dimension in [0.8, 1.25] for HR, cadence and position; speed only moves toward 1 (≥ 0.3):
        // there the configured q alone (q/3 = 0.033 m²/s² per second) exceeds the true noise
        // (0.0036), which R cannot absorb and α is not allowed to lower (AdaptationOptions).
        // Cadence gated share < 2 %. HR RMS error against the truth below the strap's own σ = 0.6 bpm
        // (measured: fixed 0.32, adaptive 0.40 bpm — on this smooth truth the configured q is too
        // large, and the fixed model's oversized R happened to offset it; both are far inside the
        // ≈ 2 bpm the issue reports).
        var noise = new SensorNoise(HrStd: 1.5, SpeedStd: 0.15, CadenceStd: 2.0, AccStd: 0.8, PositionStdMetres: 4.0);
        var fixedRun = Ride(Fixed, noise);
        var adaptiveRun = Ride(FilterOptions.Default, noise);
        foreach (var channel in new[] { FilterChannel.Hr, FilterChannel.Speed, FilterChannel.Cadence, FilterChannel.Position })
        {
            var m = channel == FilterChannel.Position ? 2.0 : 1.0;
            var f = fixedRun.Bank.Statistics(channel);
            var a = adaptiveRun.Bank.Statistics(channel);
            output.WriteLine($"{channel}: fixed NIS/m {f.MeanNis / m:F3} outliers {f.OutlierShare:P2}; adaptive NIS/m {a.MeanNis / m:F3} outliers {a.OutlierShare:P2} stops {a.Stops}");
            (a.MeanNis / m).Should().BeInRange(channel == FilterChannel.Speed ? 0.3 : 0.8, 1.25, channel.ToString());
            (f.MeanNis / m).Should().BeLessThan(0.7, "{0}: the profile overstates the noise", channel);
        }

        output.WriteLine($"HR RMS error vs truth: fixed {fixedRun.HrRms:F3}, adaptive {adaptiveRun.HrRms:F3} bpm");
        adaptiveRun.Bank.Statistics(FilterChannel.Cadence).OutlierShare.Should().BeLessThan(0.02);
        adaptiveRun.Bank.Statistics(FilterChannel.Cadence).Stops.Should().BeGreaterThanOrEqualTo(2 * 40, "42 coasting spells, each a stop and a restart");
        adaptiveRun.HrRms.Should().BeLessThan(0.6);
        adaptiveRun.Bank.MeasurementStd(FilterChannel.Hr, noise).Should().BeApproximately(0.6, 0.15, "R̂ converges to the true σ = 0.6 bpm");
    }

    private static (UserFilterBank Bank, double HrRms) Ride(FilterOptions options, SensorNoise noise)
    {
        var n = StandardNormal(2026);
        var bank = new UserFilterBank(options);
        var plane = new LocalTangentPlane(47.0, 8.0);
        var squares = 0.0;
        var count = 0;
        for (var t = 0; t < 3.5 * 3600; t++)
        {
            var hr = 130 + 25 * Math.Sin(2 * Math.PI * t / 900);
            var speed = 8 + 2 * Math.Sin(2 * Math.PI * t / 600);
            var cadence = 85 + 5 * Math.Sin(2 * Math.PI * t / 400);
            var angle = 6.0 * t / 500; // a 500 m circle at 6 m/s
            var coasting = t % 300 >= 280;
            plane.ToGeodetic(500 * Math.Sin(angle) + 1.6 * n.Sample(), 500 * (1 - Math.Cos(angle)) + 1.6 * n.Sample(), out var lat, out var lon);
            var reading = new Reading(t, At(t), hr + 0.6 * n.Sample(), speed + 0.06 * n.Sample(),
                coasting ? 0.0 : cadence + 0.8 * n.Sample(), double.NaN, lat, lon);
            bank.Apply(reading, noise);
            if (t > 60)
            {
                var e = bank.Estimate(At(t));
                squares += (e.Hr - hr) * (e.Hr - hr);
                count++;
            }
        }

        return (bank, Math.Sqrt(squares / count));
    }

    [Fact]
    public void CoastingToZeroAndBackIsARegimeChangeWhileASingleSpikeIsStillGated()
    {
        // Oracle: the stop-regime rule of ChannelModel (θ = 2 spm for cadence) applied by hand.
        var bank = new UserFilterBank();
        var noise = SensorNoiseProfiles.Bike;
        var normal = StandardNormal(3);
        var t = 0;
        var warmUpOutliers = 0;
        for (; t < 120; t++)
        {
            warmUpOutliers += bank.Apply(Cadence(t, 80 + 2 * normal.Sample()), noise).HasOutliers ? 1 : 0;
        }

        warmUpOutliers.Should().BeLessThanOrEqualTo(1);

        var spike = bank.Apply(Cadence(t++, 250), noise);
        spike.Outliers.Should().Be(FilterChannels.Cadence, "a single 250 rpm spike is a real outlier");
        bank.Estimate(At(t - 1)).Cadence.Should().BeInRange(70, 90);
        for (var end = t + 30; t < end; t++)
        {
            bank.Apply(Cadence(t, 80 + 2 * normal.Sample()), noise).Outliers.Should().Be(FilterChannels.None, "the gated spike's burst decays, {0}", t);
        }

        var stop = bank.Apply(Cadence(t++, 0), noise);
        stop.Outliers.Should().Be(FilterChannels.None);
        stop.Applied.Should().Be(FilterChannels.Cadence);
        stop.Reset.Should().Be(FilterChannels.Cadence);
        bank.Estimate(At(t - 1)).Cadence.Should().Be(0, "the level follows the stop at once");
        for (var end = t + 10; t < end; t++)
        {
            bank.Apply(Cadence(t, 0), noise).Outliers.Should().Be(FilterChannels.None);
        }

        var restart = bank.Apply(Cadence(t++, 82), noise);
        restart.Outliers.Should().Be(FilterChannels.None);
        restart.Reset.Should().Be(FilterChannels.Cadence);
        bank.Estimate(At(t - 1)).Cadence.Should().Be(82);
        var stats = bank.Statistics(FilterChannel.Cadence);
        stats.Stops.Should().Be(2);
        stats.Outliers.Should().Be(1 + warmUpOutliers);

        static Reading Cadence(int t, double rpm) => new(t, At(t), double.NaN, double.NaN, rpm, double.NaN, double.NaN, double.NaN);
    }

    [Fact]
    public void SustainedStepPassesTheGateWithinThreeReadingsWhileATwoReadingGlitchStaysGated()
    {
        // Oracle: the outlier burst p₀₀ += ν²/(2γ) of NoiseAdaptation: after k gated readings
        // S > k·ν²/(2γ), so the same innovation passes the gate by its third reading at the latest,
        // a glitch of two readings never does; the fixed model needs MaxConsecutiveOutliers (10)
        // readings for a step.
        var bank = new UserFilterBank();
        var noise = SensorNoiseProfiles.Watch;
        var normal = StandardNormal(8);
        var t = 0;
        for (; t < 300; t++)
        {
            bank.Apply(HrReading(At(t), 70 + 1.0 * normal.Sample()), noise);
        }

        for (var i = 0; i < 2; i++, t++)
        {
            bank.Apply(HrReading(At(t), 200), noise).Outliers.Should().Be(FilterChannels.Hr, "glitch reading {0}", i);
        }

        for (var end = t + 60; t < end; t++)
        {
            bank.Apply(HrReading(At(t), 70 + 1.0 * normal.Sample()), noise);
        }

        bank.Estimate(At(t - 1)).Hr.Should().BeApproximately(70, 3);
        var gated = 0;
        for (var i = 0; i < 3; i++, t++)
        {
            gated += bank.Apply(HrReading(At(t), 120 + 1.0 * normal.Sample()), noise).HasOutliers ? 1 : 0;
        }

        gated.Should().BeLessThan(3);
        bank.Estimate(At(t - 1)).Hr.Should().BeApproximately(120, 10);
    }

    [Fact]
    public void AdaptiveStateSurvivesACheckpointAndAnOldCheckpointStillLoads()
    {
        // Oracle: the same readings applied to the original bank (bit-identical continuation), and
        // for an old-layout checkpoint (no Adaptive/Extra arrays) the documented defaults.
        var original = new UserFilterBank();
        var noise = SensorNoiseProfiles.Bike;
        var normal = StandardNormal(12);
        Reading Next(int t) => new(t, At(t), 120 + 0.5 * normal.Sample(), 7 + 0.05 * normal.Sample(),
            t % 100 > 90 ? 0 : 85 + normal.Sample(), double.NaN, 47 + 1e-5 * normal.Sample(), 8);
        var t = 0;
        for (; t < 400; t++)
        {
            original.Apply(Next(t), noise);
        }

        var state = original.Snapshot();
        var updatesAtSnapshot = original.Statistics(FilterChannel.Hr).Updates;
        state.Adaptive.Should().HaveCount(FilterBankState.ChannelCount * FilterBankState.AdaptiveStride);
        var restored = UserFilterBank.Restore(state, FilterOptions.Default);
        restored.MeasurementStd(FilterChannel.Hr, noise).Should().Be(original.MeasurementStd(FilterChannel.Hr, noise));
        restored.MeasurementStd(FilterChannel.Hr, noise).Should().BeLessThan(noise.HrStd, "R̂ adapted below the prior");
        restored.Statistics(FilterChannel.Cadence).Should().Be(original.Statistics(FilterChannel.Cadence));
        for (; t < 500; t++)
        {
            var r = Next(t);
            original.Apply(r, noise);
            restored.Apply(r, noise);
            restored.Estimate(At(t)).Should().Be(original.Estimate(At(t)));
        }

        var old = UserFilterBank.Restore(state with { Adaptive = [], Extra = [] }, FilterOptions.Default);
        old.MeasurementStd(FilterChannel.Hr, noise).Should().Be(noise.HrStd, "an old checkpoint starts from the device prior");
        old.Statistics(FilterChannel.Hr).ProcessScale.Should().Be(1.0);
        old.Statistics(FilterChannel.Hr).Updates.Should().Be(updatesAtSnapshot);
        old.Estimate(At(399)).Hr.Should().Be(UserFilterBank.Restore(state, FilterOptions.Default).Estimate(At(399)).Hr);
        var bad = () => UserFilterBank.Restore(state with { Adaptive = new double[3] }, FilterOptions.Default);
        bad.Should().Throw<ArgumentException>();
    }
}
