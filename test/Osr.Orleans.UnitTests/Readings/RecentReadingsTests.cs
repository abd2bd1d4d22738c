using Osr.Orleans.Models.Readings;
using Xunit.Abstractions;

namespace Osr.Orleans.UnitTests.Readings;

public class RecentReadingsTests(ITestOutputHelper output)
{
    private const long T0 = 638_700_000_000_000_000; // 2024-12

    private static Reading Watch(long seq, long ticks, double hr, double cadence, double acc) =>
        new(seq, ticks, hr, double.NaN, cadence, acc, double.NaN, double.NaN);

    private static Reading Phone(long seq, long ticks, double speed, double lat, double lon) =>
        new(seq, ticks, double.NaN, speed, double.NaN, double.NaN, lat, lon);

    /// <summary>Readings compared bit for bit (NaN included), as <c>user show</c> prints them.</summary>
    private static void ShouldBeIdentical(RecentReading[] actual, IReadOnlyList<RecentReading> expected)
    {
        actual.Should().HaveCount(expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            actual[i].DeviceIndex.Should().Be(expected[i].DeviceIndex);
            var (a, e) = (actual[i].Reading, expected[i].Reading);
            a.Seq.Should().Be(e.Seq);
            a.TimestampUtcTicks.Should().Be(e.TimestampUtcTicks);
            double[] av = [a.Hr, a.Speed, a.Cadence, a.Acc, a.Lat, a.Lon];
            double[] ev = [e.Hr, e.Speed, e.Cadence, e.Acc, e.Lat, e.Lon];
            av.Select(BitConverter.DoubleToInt64Bits).Should().Equal(ev.Select(BitConverter.DoubleToInt64Bits), $"reading {i}");
        }
    }

    [Fact]
    public void EmptyHasNothing()
    {
        var log = new RecentReadings(8);
        log.Count.Should().Be(0);
        log.ToArray().Should().BeEmpty();
    }

    [Fact]
    public void KeepsTheLastCapacityReadingsOldestFirst()
    {
        var log = new RecentReadings(3);
        var all = Enumerable.Range(1, 7)
            .Select(i => new RecentReading(i % 2, Watch(100 + i, T0 + i * 400_000_000L, 60 + i, 80 + i, 0.1 * i)))
            .ToList();
        foreach (var r in all) log.Add(r.DeviceIndex, r.Reading);

        log.Count.Should().Be(3);
        ShouldBeIdentical(log.ToArray(), all.TakeLast(3).ToList());
    }

    [Fact]
    public void EveryValueComesBackBitForBit()
    {
        // Whole numbers, decimals as sent in JSON, full-precision doubles, extremes of the contract, NaN (not measured),
        // negative zero, and seq / timestamps that jump back and forth between devices.
        double[] values =
        [
            0, 72, 250, 0.1, 72.3, 1.25, -33.8688197, 151.2092955, 52.520008, 13.404954, 1e-9, 123456.789012345,
            Math.PI, -Math.E, double.Epsilon, 199.99999999999997, -0.0, 9007199254740993.0, 1e300, -180, 90,
        ];
        var expected = new List<RecentReading>();
        var log = new RecentReadings(64);
        var random = new Random(7);
        for (var i = 0; i < 64; i++)
        {
            double V(int k) => random.NextDouble() < 0.2 ? double.NaN : values[(i * 7 + k * 3) % values.Length];
            var seq = i % 3 == 0 ? long.MaxValue - i : i * 1_000_003L;
            var ticks = i % 5 == 0 ? DateTime.MaxValue.Ticks - i : T0 - i * 10_000_000L;
            var r = new RecentReading(i % 4, new Reading(seq, ticks, V(0), V(1), V(2), V(3), V(4), V(5)));
            expected.Add(r);
            log.Add(r.DeviceIndex, r.Reading);
        }

        ShouldBeIdentical(log.ToArray(), expected);
    }

    [Fact]
    public void OneSlotKeepsOnlyTheNewest()
    {
        var log = new RecentReadings(1);
        log.Add(0, Watch(1, T0, 60, 0, 0.5));
        var newest = Watch(2, T0 + 1, 61, 1, 0.25);
        log.Add(2, newest);

        ShouldBeIdentical(log.ToArray(), [new RecentReading(2, newest)]);
    }

    [Fact]
    public void AWatchReadingTakesAboutAThirdOfAFixedSlot()
    {
        var log = new RecentReadings(8);
        var random = new Random(3);
        for (var i = 0; i < 100; i++)
        {
            // As the simulator sends them: whole-number HR and cadence, acceleration at full precision, one every ~40 s.
            log.Add(0, Watch(1_733_500_000_000 + i, T0 + i * 400_000_000L + random.Next(10_000_000), Math.Round(60 + 40 * random.NextDouble()),
                Math.Round(160 * random.NextDouble()), 3 * random.NextDouble()));
            if (i % 2 == 1) log.Add(1, Phone(5_000 + i, T0 + i * 400_000_000L, 1.3, 52.5200081 + i * 1e-7, 13.404954));
        }

        output.WriteLine($"8 recent readings: {log.EncodedBytes} bytes encoded");
        log.EncodedBytes.Should().BeLessThan(8 * 72 / 2, "a fixed slot is 72 bytes (seq, ts, six doubles, device index)");

        var watchOnly = new RecentReadings(8);
        for (var i = 0; i < 8; i++) watchOnly.Add(0, Watch(1_733_500_000_000 + i, T0 + i * 400_000_000L, 72, 90, 0.7312345678901234));
        output.WriteLine($"8 watch readings: {watchOnly.EncodedBytes} bytes encoded");
        watchOnly.EncodedBytes.Should().BeLessThanOrEqualTo(8 * 22, "≈ 22 bytes a watch reading, the oldest one's differences included");
    }

    [Fact]
    public void AddingToAFullLogDoesNotAllocate()
    {
        var log = new RecentReadings(8);
        var reading = Watch(1, T0, 70, 90, 0.731);
        for (var i = 0; i < 20; i++) log.Add(0, reading with { Seq = i, TimestampUtcTicks = T0 + i * 400_000_000L });

        var n = 20;
        Allocations.Least(() =>
        {
            for (var i = 0; i < 50; i++, n++) log.Add(0, reading with { Seq = n, TimestampUtcTicks = T0 + n * 400_000_000L });
        }).Should().Be(0);
    }

    [Fact]
    public void RefusesNoCapacityAndNegativeDevice()
    {
        var act = () => new RecentReadings(0);
        act.Should().Throw<ArgumentOutOfRangeException>();
        var add = () => new RecentReadings(2).Add(-1, Watch(1, T0, 60, 0, 0));
        add.Should().Throw<ArgumentOutOfRangeException>();
    }
}
