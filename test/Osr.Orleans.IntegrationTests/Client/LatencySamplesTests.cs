using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Simulation;

namespace Osr.Orleans.IntegrationTests.Client;

public sealed class LatencySamplesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osr-samples-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task KeepsWhatFitsInRecordingOrderAndCountsTheRest()
    {
        var samples = new LatencySamples(3);
        foreach (var v in new long[] { 1500, 7, 2_000_000, 9 }) samples.Record(v);

        samples.Count.Should().Be(3);
        samples.Dropped.Should().Be(1);
        var path = Path.Combine(_dir, "s.txt");
        await samples.WriteAsync(path, CancellationToken.None);
        (await File.ReadAllTextAsync(path)).Should().Be("1500\n7\n2000000\n");
    }

    [Fact]
    public async Task ConcurrentRecordsAreAllKept()
    {
        var samples = new LatencySamples(40_000);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++) samples.Record(t * 10_000 + i);
        })));

        samples.Count.Should().Be(40_000);
        samples.Dropped.Should().Be(0);
        var path = Path.Combine(_dir, "s.txt");
        await samples.WriteAsync(path, CancellationToken.None);
        (await File.ReadAllLinesAsync(path)).Select(long.Parse).Order().Should().Equal(Enumerable.Range(0, 40_000).Select(i => (long)i));
    }

    [Fact]
    public async Task WithAClockEachSampleKeepsItsIntendedSendTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var samples = new LatencySamples(4, time);
        time.Advance(TimeSpan.FromSeconds(2));
        samples.Record(250_000, time.GetTimestamp()); // acknowledged at +2 s after 250 ms: meant for +1.75 s
        time.Advance(TimeSpan.FromMilliseconds(500));
        samples.Record(3_000, time.GetTimestamp());
        samples.Record(40); // no end time: 0

        var path = Path.Combine(_dir, "s.txt");
        await samples.WriteAsync(path, CancellationToken.None);
        (await File.ReadAllTextAsync(path)).Should().Be("250000\t1700000001750\n3000\t1700000002497\n40\t0\n");
    }

    [Fact]
    public void CapacityHasAQuarterToSpare() => LatencySamples.CapacityFor(1000, 60).Should().Be(75_000 + 1024);
}
