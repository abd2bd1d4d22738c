using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Models.Metrics;

namespace Osr.Orleans.UnitTests.Metrics;

public sealed class IngestLagCountingTests
{
    [Fact]
    public void CountingALagAllocatesNothing()
    {
        using var counters = new IngestCounters();
        counters.Lag(TimeSpan.FromMilliseconds(3).Ticks); // warm up (JIT, the histogram's first use)
        Allocations.Least(() =>
        {
            for (var i = 0; i < 1_000; i++) counters.Lag(i * TimeSpan.TicksPerMillisecond / 10);
        }).Should().Be(0);
    }

    [Fact]
    public void TheLagDeltaHoldsWhatWasCountedSinceTheLastOneAndARestoredDeltaIsSentAgain()
    {
        using var counters = new IngestCounters();
        counters.TakeLagDelta().Should().BeNull();
        counters.Lag(TimeSpan.FromMilliseconds(5).Ticks);
        counters.Lag(TimeSpan.FromMilliseconds(5).Ticks);
        counters.Lag(TimeSpan.FromMilliseconds(400).Ticks);

        var first = counters.TakeLagDelta()!;
        LagBuckets.Total(first).Should().Be(3);
        first[LagBuckets.IndexOf(TimeSpan.FromMilliseconds(5).Ticks)].Should().Be(2);
        counters.TakeLagDelta().Should().BeNull();

        counters.RestoreLag(first); // the report failed
        counters.Lag(TimeSpan.FromMilliseconds(400).Ticks);
        LagBuckets.Total(counters.TakeLagDelta()!).Should().Be(4);
    }
}
