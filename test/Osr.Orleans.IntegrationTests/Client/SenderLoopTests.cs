using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Simulation;

namespace Osr.Orleans.IntegrationTests.Client;

public class SenderLoopTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Drives one loop tick by tick on a fake clock. The devices have no MQTT client, so each publish
    /// fails synchronously after being counted; what is checked is the pacing (slots and seq numbers).
    /// </summary>
    private static (DeviceSimulator[] Devices, SimulationStats Stats) Run(int deviceCount, int batch, TimeSpan runFor, TimeSpan tick)
    {
        var time = new FakeTimeProvider(Start);
        var stats = new SimulationStats();
        var fleet = new MqttFleet(stats, time);
        var plan = SimulationPlan.Create(new SimulationOptions { Users = deviceCount, Seed = 3 });
        var devices = plan.Devices.Where(d => d.Kind == DeviceKind.Watch).ToArray();
        var interval = time.TimestampFrequency;   // one reading per device per second
        var start = time.GetTimestamp();
        for (var i = 0; i < devices.Length; i++)
        {
            devices[i].MarkConnected(true);
            devices[i].NextSlot = start + interval * i / devices.Length;
        }

        var loop = new SenderLoop(devices, fleet, stats, time, start, Start, interval, batch);
        using var serializer = new PooledReadingSerializer();
        var end = Start + runFor;
        while (time.GetUtcNow() < end)
        {
            time.Advance(tick);
            loop.RunOnce(time.GetTimestamp(), serializer);
        }

        return (devices, stats);
    }

    [Fact]
    public void EverySlotGetsExactlyOneSeqWithoutDrift()
    {
        var (devices, stats) = Run(deviceCount: 4, batch: 1, runFor: TimeSpan.FromSeconds(100), tick: TimeSpan.FromMilliseconds(7));

        // Device i has slots at i/4 s, 1 + i/4 s, …; all those up to the last tick (100.002 s) are due:
        // 101 for device 0 (0 … 100 s), 100 for the others, however the 7 ms ticks fall.
        devices.Select(d => d.Seq).Should().Equal(101, 100, 100, 100);
        var slots = devices.Sum(d => d.Seq);
        (stats.ReadingsPublished + stats.ReadingsDropped).Should().BeLessThanOrEqualTo(slots);
        stats.ReadingsPublished.Should().BeGreaterThan((long)(slots * 0.97), "only the ~1 % simulated dropouts are missing");
        stats.Published.Should().Be(stats.ReadingsPublished, "batch 1 sends one reading per message");
    }

    [Fact]
    public void BatchesCarryTheConfiguredNumberOfReadings()
    {
        var (devices, stats) = Run(deviceCount: 3, batch: 5, runFor: TimeSpan.FromSeconds(60), tick: TimeSpan.FromMilliseconds(10));

        devices.Sum(d => d.Seq).Should().BeInRange(3 * 56, 3 * 61);
        stats.Published.Should().BeInRange(3 * 11, 3 * 12);
        ((double)stats.ReadingsPublished / stats.Published).Should().BeGreaterThan(4.5);
    }

    [Fact]
    public void AnOfflineDeviceKeepsItsDueReadingsAndSendsThemInOneMessageWhenBack()
    {
        var time = new FakeTimeProvider(Start);
        var stats = new SimulationStats();
        var plan = SimulationPlan.Create(new SimulationOptions { Users = 1, Seed = 3 });
        var device = plan.Devices[0];
        var start = time.GetTimestamp();
        device.NextSlot = start;
        var loop = new SenderLoop([device], new MqttFleet(stats, time), stats, time, start, Start, time.TimestampFrequency, 1);
        using var serializer = new PooledReadingSerializer();

        time.Advance(TimeSpan.FromSeconds(10.5));
        loop.RunOnce(time.GetTimestamp(), serializer);

        device.Seq.Should().Be(0, "nothing is numbered while the device is offline");
        stats.Published.Should().Be(0);
        stats.ReadingsDropped.Should().Be(0);

        device.MarkConnected(true);
        loop.RunOnce(time.GetTimestamp(), serializer);

        device.Seq.Should().Be(11, "the slots 0 … 10 s were due");
        stats.Published.Should().Be(1, "what fell due offline goes in one message");
        stats.ReadingsPublished.Should().BeInRange(9, 11, "all 11 but the simulated ~1 % dropouts");
    }

    [Fact]
    public void AnOfflineDeviceKeepsAtMostOneMessageOfReadingsAndDropsTheOldest()
    {
        var time = new FakeTimeProvider(Start);
        var stats = new SimulationStats();
        var plan = SimulationPlan.Create(new SimulationOptions { Users = 1, Seed = 3 });
        var device = plan.Devices[0];
        var start = time.GetTimestamp();
        device.NextSlot = start;
        var loop = new SenderLoop([device], new MqttFleet(stats, time), stats, time, start, Start, time.TimestampFrequency, 1);
        using var serializer = new PooledReadingSerializer();

        time.Advance(TimeSpan.FromSeconds(400.5));
        loop.RunOnce(time.GetTimestamp(), serializer);

        stats.ReadingsDropped.Should().Be(401 - SimulationOptions.MaxReadingsPerMessage);
        device.Seq.Should().Be(401 - SimulationOptions.MaxReadingsPerMessage, "dropped readings still use up their seq numbers");
    }

    [Fact]
    public void WhenStoppingAnOfflineDeviceCountsWhatItCouldNotSendAsDropped()
    {
        var time = new FakeTimeProvider(Start);
        var stats = new SimulationStats();
        var plan = SimulationPlan.Create(new SimulationOptions { Users = 1, Seed = 3 });
        var device = plan.Devices[0];
        var start = time.GetTimestamp();
        device.NextSlot = start;
        var loop = new SenderLoop([device], new MqttFleet(stats, time), stats, time, start, Start, time.TimestampFrequency, 1);
        using var serializer = new PooledReadingSerializer();

        time.Advance(TimeSpan.FromSeconds(10.5));
        loop.RunOnce(time.GetTimestamp(), serializer, flush: true);

        stats.ReadingsDropped.Should().Be(11);
        device.Seq.Should().Be(11);
        stats.Published.Should().Be(0);
    }
}
