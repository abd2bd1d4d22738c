using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Xunit.Abstractions;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>The per-user bank: fusion, missing sensors, checkpoints, memory and allocations.</summary>
public sealed class UserFilterBankTests(ITestOutputHelper output)
{
    /// <summary>A 10-min mixed session at ≈ 1 Hz with every sensor, some dropped, seeded.</summary>
    private static List<Reading> Session(int seed, int count = 600)
    {
        var rng = new Random(seed);
        var n = StandardNormal(seed + 1);
        var plane = new LocalTangentPlane(47.3769, 8.5417);
        var readings = new List<Reading>();
        var t = 0.0;
        for (var i = 0; i < count; i++)
        {
            t += 0.5 + rng.NextDouble();
            plane.ToGeodetic(3 * t + 5 * n.Sample(), 50 * Math.Sin(t / 60) + 5 * n.Sample(), out var lat, out var lon);
            double Maybe(double v) => rng.NextDouble() < 0.15 ? double.NaN : v;
            var hasFix = rng.NextDouble() > 0.2;
            readings.Add(new Reading(i, At(t),
                Maybe(120 + 20 * Math.Sin(t / 90) + 4 * n.Sample()),
                Maybe(3 + 0.4 * n.Sample()),
                Maybe(165 + 3 * n.Sample()),
                Maybe(Math.Abs(2 + 0.5 * n.Sample())),
                hasFix ? lat : double.NaN,
                hasFix ? lon : double.NaN));
        }

        return readings;
    }

    [Fact]
    public void UnobservedChannelsAreNaNAndMissingSensorsLeaveTheirChannelsUntouched()
    {
        var bank = new UserFilterBank();
        bank.Estimate(At(0)).Should().Be(StateEstimate.Unknown(At(0)));

        var result = bank.Apply(HrReading(At(0), 70), SensorNoiseProfiles.Watch);
        result.Applied.Should().Be(FilterChannels.Hr);
        result.Reset.Should().Be(FilterChannels.Hr);
        var estimate = bank.Estimate(At(0));
        estimate.Hr.Should().Be(70);
        estimate.HrStd.Should().Be(SensorNoiseProfiles.Watch.HrStd);
        (estimate with { Hr = double.NaN, HrStd = double.NaN, HrTrendPerMin = double.NaN })
            .Should().Be(StateEstimate.Unknown(At(0)), "only the HR channel has been observed");

        bank.Apply(SpeedReading(At(1), 3), SensorNoiseProfiles.Watch).Applied.Should().Be(FilterChannels.Speed);
        bank.Hr.LastUpdateUtcTicks.Should().Be(At(0), "each channel keeps its own last-update time");
        bank.Speed.LastUpdateUtcTicks.Should().Be(At(1));
        bank.LastUpdateUtcTicks.Should().Be(At(1));
    }

    [Fact]
    public void WatchAndChestStrapFusedHrStdIsBelowEitherAlone()
    {
        // Oracle: for independent measurements the information adds, 1/P_fused ≥ 1/P_a + … , so the
        // fused std is below each device's own; both devices report every second.
        var watch = new UserFilterBank();
        var strap = new UserFilterBank();
        var both = new UserFilterBank();
        var n = StandardNormal(12);
        for (var t = 0; t < 300; t++)
        {
            var truth = 100 + 30 * Math.Sin(t / 50.0);
            var w = HrReading(At(t), truth + SensorNoiseProfiles.Watch.HrStd * n.Sample());
            var s = HrReading(At(t + 0.2), truth + SensorNoiseProfiles.ChestStrap.HrStd * n.Sample());
            watch.Apply(w, SensorNoiseProfiles.Watch);
            strap.Apply(s, SensorNoiseProfiles.ChestStrap);
            both.Apply(w, SensorNoiseProfiles.For("watch"));
            both.Apply(s, SensorNoiseProfiles.For("chest-strap"));
        }

        var at = At(300);
        var fused = both.Estimate(at).HrStd;
        output.WriteLine($"HR std: watch {watch.Estimate(at).HrStd:F3}, strap {strap.Estimate(at).HrStd:F3}, fused {fused:F3}");
        fused.Should().BeLessThan(strap.Estimate(at).HrStd).And.BeLessThan(watch.Estimate(at).HrStd);
        strap.Estimate(at).HrStd.Should().BeLessThan(watch.Estimate(at).HrStd, "a chest strap measures HR better");
        both.Statistics(FilterChannel.Hr).Outliers.Should().Be(0);
    }

    [Fact]
    public void SnapshotRestoreRoundTripYieldsBitIdenticalSubsequentEstimates()
    {
        var readings = Session(seed: 31);
        var options = new FilterOptions();
        var original = new UserFilterBank(options);
        foreach (var r in readings.Take(300))
        {
            original.Apply(r, SensorNoiseProfiles.Watch);
        }

        // Through the Orleans serializer, as a grain checkpoint would go.
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var state = serializer.Deserialize<FilterBankState>(serializer.SerializeToArray(original.Snapshot()))!;
        var restored = UserFilterBank.Restore(state, options);

        foreach (var r in readings.Skip(300))
        {
            restored.Apply(r, SensorNoiseProfiles.Phone).Should().Be(original.Apply(r, SensorNoiseProfiles.Phone));
            foreach (var at in new[] { r.TimestampUtcTicks, r.TimestampUtcTicks + TimeSpan.TicksPerMinute })
            {
                Bits(restored.Estimate(at)).Should().Equal(Bits(original.Estimate(at)));
            }
        }

        foreach (var channel in Enum.GetValues<FilterChannel>())
        {
            restored.Statistics(channel).Should().Be(original.Statistics(channel));
        }

        static long[] Bits(StateEstimate e) => new[]
        {
            e.Hr, e.HrStd, e.HrTrendPerMin, e.Speed, e.SpeedStd, e.Cadence, e.CadenceStd, e.Acc, e.AccStd,
            e.Lat, e.Lon, e.PositionStdMetres,
        }.Select(BitConverter.DoubleToInt64Bits).Append(e.AsOfUtcTicks).ToArray();
    }

    [Fact]
    public void RestoreRejectsAMalformedState()
    {
        var state = new UserFilterBank().Snapshot();
        var act = () => UserFilterBank.Restore(state with { Position = new double[3] }, FilterOptions.Default);
        act.Should().Throw<ArgumentException>();
        act = () => UserFilterBank.Restore(state with { Version = 99 }, FilterOptions.Default);
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void BankIsAFewHundredBytesAndApplyAndEstimateDoNotAllocate()
    {
        var options = new FilterOptions();
        _ = new UserFilterBank(options); // compiles and caches the shared channel models
        var before = GC.GetAllocatedBytesForCurrentThread();
        var bank = new UserFilterBank(options);
        var bankBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"UserFilterBank: {bankBytes} bytes");
        // 16 (object header + method table) + 8 (shared models) + 4 × 144 + 176 = 776 bytes
        // (the adaptive noise slots, α, NIS count, stops and last-accepted time added 56 bytes per channel).
        Unsafe.SizeOf<LevelTrendFilter>().Should().Be(144);
        Unsafe.SizeOf<PositionFilter>().Should().Be(176);
        bankBytes.Should().BeLessThanOrEqualTo(776, "the budget is ≤ 4 KB per active user for everything");

        var readings = Session(seed: 41, count: 200);
        var noise = SensorNoiseProfiles.Watch;
        foreach (var r in readings.Take(100))
        {
            bank.Apply(r, noise); // warm up (JIT tiering may allocate on first calls)
            bank.Estimate(r.TimestampUtcTicks);
        }

        before = GC.GetAllocatedBytesForCurrentThread();
        var sink = 0.0;
        for (var i = 100; i < readings.Count; i++)
        {
            var r = readings[i];
            bank.Apply(r, noise);
            sink += bank.Estimate(r.TimestampUtcTicks + TimeSpan.TicksPerSecond).Hr;
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        sink.Should().NotBe(double.NaN);
    }

    [Fact]
    public void InvalidNoiseOrOptionsAreRejected()
    {
        var bank = new UserFilterBank();
        var act = () => bank.Apply(HrReading(At(0), 60), SensorNoiseProfiles.Watch with { HrStd = 0 });
        act.Should().Throw<ArgumentException>();
        act = () => bank.Apply(HrReading(At(0), 60), default);
        act.Should().Throw<ArgumentException>();

        var bad = new FilterOptions { GateConfidence = 0, MaxGap = TimeSpan.Zero, Hr = new ChannelOptions { ProcessNoise = -1, InitialRateStd = 1 } };
        bad.Validate().Should().HaveCount(3);
        var build = () => new UserFilterBank(bad);
        build.Should().Throw<ArgumentException>();
        FilterOptions.Default.Validate().Should().BeEmpty();
    }

    [Fact]
    public void GateBoundsAreTheChiSquareQuantilesOfTheConfidence()
    {
        // Oracle: tabulated χ² quantiles at 0.9999: 15.137 (1 dof), 18.421 (2 dof).
        FilterOptions.Default.Models.Hr.NisGate.Should().BeApproximately(15.137, 1e-3);
        FilterOptions.Default.Models.Position.NisGate.Should().BeApproximately(18.421, 1e-3);
        new FilterOptions { GateConfidence = 1 }.Models.Hr.NisGate.Should().Be(double.PositiveInfinity);
    }
}

public sealed class SensorNoiseProfilesTests
{
    [Theory]
    [InlineData("watch")]
    [InlineData(" Watch ")]
    [InlineData("WATCH")]
    public void KindsMatchCaseInsensitively(string kind) =>
        SensorNoiseProfiles.For(kind).Should().Be(SensorNoiseProfiles.Watch);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("toaster")]
    public void UnknownKindsGetTheDefaultProfile(string? kind) =>
        SensorNoiseProfiles.For(kind).Should().Be(SensorNoiseProfiles.Default);

    [Fact]
    public void ProfilesReflectTheSensingPrinciple()
    {
        SensorNoiseProfiles.For("chest-strap").HrStd.Should().BeLessThan(SensorNoiseProfiles.For("watch").HrStd);
        SensorNoiseProfiles.For("phone").PositionStdMetres.Should().BeGreaterThan(SensorNoiseProfiles.For("watch").PositionStdMetres);
        SensorNoiseProfiles.For("bike").SpeedStd.Should().BeLessThan(SensorNoiseProfiles.For("watch").SpeedStd);
        new[] { "watch", "phone", "chest-strap", "bike", "other" }.Select(SensorNoiseProfiles.For)
            .Should().OnlyContain(p => p.IsValid);
    }
}

public sealed class LocalTangentPlaneTests
{
    [Fact]
    public void ProjectionRoundTripsAndMatchesHaversineDistanceNearTheOrigin()
    {
        // Oracle: haversine great-circle distance on the same sphere, R = 6 371 008.8 m.
        var plane = new LocalTangentPlane(47.3769, 8.5417);
        plane.ToGeodetic(1200, -800, out var lat, out var lon);
        plane.ToLocal(lat, lon, out var x, out var y);
        x.Should().BeApproximately(1200, 1e-6);
        y.Should().BeApproximately(-800, 1e-6);

        var distance = Haversine(47.3769, 8.5417, lat, lon);
        Math.Sqrt(x * x + y * y).Should().BeApproximately(distance, distance * 1e-3);
    }

    [Fact]
    public void LongitudeWrapsAcrossTheAntimeridian()
    {
        var plane = new LocalTangentPlane(-16.5, 179.9995);
        plane.ToLocal(-16.5, -179.9995, out var x, out _);
        x.Should().BeApproximately(LocalTangentPlane.EarthRadiusMetres * Math.Cos(-16.5 * Math.PI / 180) * 0.001 * Math.PI / 180, 1e-6);
        plane.ToGeodetic(x, 0, out _, out var lon);
        lon.Should().BeApproximately(-179.9995, 1e-9);
    }

    private static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        const double d2r = Math.PI / 180;
        var a = Math.Pow(Math.Sin((lat2 - lat1) * d2r / 2), 2)
            + Math.Cos(lat1 * d2r) * Math.Cos(lat2 * d2r) * Math.Pow(Math.Sin((lon2 - lon1) * d2r / 2), 2);
        return 2 * LocalTangentPlane.EarthRadiusMetres * Math.Asin(Math.Sqrt(a));
    }
}
