using Osr.Orleans.Client.Simulation;

namespace Osr.Orleans.IntegrationTests.Client;

public class LatencyHistogramTests
{
    private static readonly double[] Percentiles = [0, 1, 10, 50, 90, 99, 99.9, 99.99, 100];

    /// <summary>Oracle: the nearest-rank percentile of the sorted values (the ⌈p/100·n⌉-th smallest).</summary>
    private static long NearestRank(long[] sorted, double p) =>
        sorted[Math.Max(1, (long)Math.Ceiling(p / 100.0 * sorted.Length)) - 1];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void PercentilesMatchASortedArrayWithinOneBucket(int seed)
    {
        var random = new Random(seed);
        // Log-uniform from 1 µs to 10 s, plus a few exact small values: the shape of PUBACK latencies.
        var values = Enumerable.Range(0, 50_000).Select(_ => (long)Math.Exp(random.NextDouble() * Math.Log(10_000_000))).Concat([0, 1, 127, 128, 129]).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var v in values) histogram.Record(v);
        Array.Sort(values);

        foreach (var p in Percentiles)
        {
            var expected = NearestRank(values, p);
            var actual = histogram.ValueAtPercentile(p);
            actual.Should().BeGreaterThanOrEqualTo(expected, $"p{p}");
            actual.Should().BeLessThanOrEqualTo(expected + expected / 64 + 1, $"p{p} is within 1/64 of the oracle");
        }

        histogram.Count.Should().Be(values.Length);
        histogram.Max.Should().Be(values[^1]);
        histogram.Mean.Should().BeApproximately(values.Average(), 1e-6 * values.Average());
    }

    [Fact]
    public void SmallValuesAreExact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++) histogram.Record(v);

        histogram.ValueAtPercentile(50).Should().Be(50);
        histogram.ValueAtPercentile(99).Should().Be(99);
        histogram.ValueAtPercentile(100).Should().Be(100);
    }

    [Fact]
    public void BucketsTileTheRangeWithoutGaps()
    {
        for (var b = 1; b < 128 + 30 * 64; b++)
            LatencyHistogram.LowestInBucket(b).Should().Be(LatencyHistogram.HighestInBucket(b - 1) + 1);

        foreach (var v in new long[] { 0, 127, 128, 255, 256, 1000, 123_456_789, LatencyHistogram.MaxTrackable })
        {
            var b = LatencyHistogram.BucketOf(v);
            v.Should().BeInRange(LatencyHistogram.LowestInBucket(b), LatencyHistogram.HighestInBucket(b));
        }
    }

    [Fact]
    public void EmptyHistogramReportsZero()
    {
        new LatencyHistogram().ValueAtPercentile(99).Should().Be(0);
    }

    [Fact]
    public void OutOfRangeValuesAreClamped()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);
        histogram.Record(long.MaxValue);

        histogram.ValueAtPercentile(0).Should().Be(0);
        histogram.Max.Should().Be(LatencyHistogram.MaxTrackable);
    }

    [Fact]
    public void RecordingIsThreadSafe()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 4, t =>
        {
            for (var i = 0; i < 100_000; i++) histogram.Record(i % 5000);
        });

        histogram.Count.Should().Be(400_000);
        histogram.Max.Should().Be(4999);
    }

    [Fact]
    public void RecordDoesNotAllocate()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++) histogram.Record(i * 37L);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0);
    }
}
