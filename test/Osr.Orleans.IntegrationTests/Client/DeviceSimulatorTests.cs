using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.IntegrationTests.Client;

public class DeviceSimulatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    private static List<Reading> Readings(DeviceKind kind, int count, ulong seed = 9)
    {
        var script = new LifeScript(UserTraits.Generate(seed, 0), TimeSpan.FromMinutes(6));
        var result = new List<Reading>();
        for (var seq = 1; seq <= count; seq++)
        {
            var ts = T0.AddSeconds(seq);
            if (DeviceSimulator.TryCreateReading(script.Sample(ts), kind, seed, seq, ts, out var r)) result.Add(r);
        }

        return result;
    }

    [Fact]
    public void WatchReadingsStayInsideTheContractRanges()
    {
        var readings = Readings(DeviceKind.Watch, 20_000);

        readings.Where(r => r.HasHr).Should().OnlyContain(r => r.Hr >= 20 && r.Hr <= 250);
        readings.Where(r => r.HasCadence).Should().OnlyContain(r => r.Cadence >= 0 && r.Cadence <= 300);
        readings.Where(r => r.HasAcc).Should().OnlyContain(r => r.Acc >= 0 && r.Acc <= 200);
        readings.Should().OnlyContain(r => !r.HasPosition && !r.HasSpeed);
    }

    [Fact]
    public void PhoneReadingsCarrySpeedAndPositionTogether()
    {
        var readings = Readings(DeviceKind.Phone, 20_000);

        readings.Should().OnlyContain(r => !r.HasHr && !r.HasCadence);
        readings.Where(r => r.HasPosition).Should().OnlyContain(r => !double.IsNaN(r.Lon) && r.Lat >= -90 && r.Lat <= 90 && r.Lon >= -180 && r.Lon <= 180);
        readings.Where(r => r.HasSpeed).Should().OnlyContain(r => r.Speed >= 0 && r.Speed <= 100);
        readings.Count(r => r.HasPosition).Should().BeGreaterThan(readings.Count / 3);
    }

    [Fact]
    public void SomeReadingsAndFieldsDropOutAndSomeHrValuesAreOutliers()
    {
        var readings = Readings(DeviceKind.Watch, 20_000);

        var lost = 20_000 - readings.Count;
        lost.Should().BeInRange(100, 350, "about 1 % of readings are lost");
        readings.Count(r => !r.HasHr).Should().BeInRange(300, 900, "about 3 % miss HR");
    }

    [Fact]
    public void ReadingsAreDeterministicForASeed()
    {
        Readings(DeviceKind.Watch, 500).Should().Equal(Readings(DeviceKind.Watch, 500));
        Readings(DeviceKind.Watch, 500, seed: 10).Should().NotEqual(Readings(DeviceKind.Watch, 500));
    }
}
