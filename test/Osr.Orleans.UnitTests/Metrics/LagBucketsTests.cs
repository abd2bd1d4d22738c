using Osr.Orleans.Models.Metrics;

namespace Osr.Orleans.UnitTests.Metrics;

public sealed class LagBucketsTests
{
    private static long Ticks(double ms) => (long)Math.Round(ms * TimeSpan.TicksPerMillisecond);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.004)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(20.0)]
    [InlineData(15.3)]
    [InlineData(999.0)]
    [InlineData(60_000.0)]
    public void ALagFallsInsideItsBucketsBounds(double ms)
    {
        var i = LagBuckets.IndexOf(Ticks(ms));
        ms.Should().BeGreaterThanOrEqualTo(LagBuckets.LowerBoundMs(i));
        ms.Should().BeLessThanOrEqualTo(LagBuckets.UpperBoundMs(i) * (1 + 1e-12));
    }

    [Fact]
    public void NegativeAndHugeLagsGoToTheEndBuckets()
    {
        LagBuckets.IndexOf(-5_000).Should().Be(0);
        LagBuckets.IndexOf(TimeSpan.FromDays(1).Ticks).Should().Be(LagBuckets.Count - 1);
        LagBuckets.UpperBoundMs(LagBuckets.Count - 1).Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public void BoundsGrowByAnEighthOfAnOctave()
    {
        // Oracle: bound(i) = 0.01 ms · 2^(i/8); bound(8) = 0.02 ms, bound(80) = 0.01 · 2^10 = 10.24 ms.
        LagBuckets.UpperBoundMs(0).Should().BeApproximately(0.01, 1e-12);
        LagBuckets.UpperBoundMs(8).Should().BeApproximately(0.02, 1e-12);
        LagBuckets.UpperBoundMs(80).Should().BeApproximately(10.24, 1e-9);
        LagBuckets.IndexOf(Ticks(10.24)).Should().Be(80);
        LagBuckets.IndexOf(Ticks(10.25)).Should().Be(81);
    }

    [Fact]
    public void NothingCountedHasNoPercentiles()
    {
        var s = LagBuckets.Summarize(new long[LagBuckets.Count]);
        s.Should().Be(new LagPercentiles(0, null, null, null));
    }

    [Fact]
    public void PercentilesComeFromTheRankedBucket()
    {
        // 990 lags of 5 ms and 10 of 400 ms: rank ⌈0.5·1000⌉ = 500 and ⌈0.99·1000⌉ = 990 are 5 ms lags, rank 999 a 400 ms one.
        var counts = new long[LagBuckets.Count];
        counts[LagBuckets.IndexOf(Ticks(5))] += 990;
        counts[LagBuckets.IndexOf(Ticks(400))] += 10;
        var s = LagBuckets.Summarize(counts);
        s.Count.Should().Be(1000);
        s.P50.Should().BeInRange(5 / 1.0905, 5 * 1.0905);
        s.P99.Should().BeInRange(5 / 1.0905, 5 * 1.0905);
        s.P999.Should().BeInRange(400 / 1.0905, 400 * 1.0905);
        // The rank 990 is the last of its bucket: the bucket's upper bound exactly.
        s.P99.Should().BeApproximately(LagBuckets.UpperBoundMs(LagBuckets.IndexOf(Ticks(5))), 1e-9);
    }

    [Fact]
    public void PercentilesAreMonotoneInQ()
    {
        var counts = new long[LagBuckets.Count];
        var rng = new Random(7);
        for (var n = 0; n < 5_000; n++) counts[LagBuckets.IndexOf(Ticks(Math.Exp(rng.NextDouble() * 10)))]++;
        var previous = 0.0;
        foreach (var q in new[] { 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0 })
        {
            var p = LagBuckets.Percentile(counts, q)!.Value;
            p.Should().BeGreaterThanOrEqualTo(previous);
            previous = p;
        }
    }

    [Fact]
    public void MergingCountsIsTheSameAsCountingEverythingInOnePlace()
    {
        var a = new long[LagBuckets.Count];
        var b = new long[LagBuckets.Count];
        var all = new long[LagBuckets.Count];
        for (var ms = 1; ms <= 300; ms++)
        {
            var i = LagBuckets.IndexOf(Ticks(ms));
            (ms % 3 == 0 ? a : b)[i]++;
            all[i]++;
        }

        var merged = new long[LagBuckets.Count];
        LagBuckets.Add(merged, a);
        LagBuckets.Add(merged, b);
        merged.Should().Equal(all);
        LagBuckets.Summarize(merged).Should().Be(LagBuckets.Summarize(all));
        // 300 lags 1…300 ms: the median is ~150 ms.
        LagBuckets.Summarize(merged).P50.Should().BeInRange(150 / 1.0905, 150 * 1.0905);
    }

    [Fact]
    public void ArraysOfAnotherLengthAreRefused()
    {
        var act = () => LagBuckets.Add(new long[LagBuckets.Count], new long[3]);
        act.Should().Throw<ArgumentException>();
        var q = () => LagBuckets.Percentile(new long[LagBuckets.Count], 0);
        q.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void TheWindowHoldsTheLastSixtySeconds()
    {
        var window = new LagWindow();
        var one = new long[LagBuckets.Count];
        one[LagBuckets.IndexOf(Ticks(10))] = 1;

        window.Add(1_000, one);
        window.Add(1_000, one); // two silos in the same second
        window.Add(1_030, one);
        LagBuckets.Total(window.Sum(1_030)).Should().Be(3);
        LagBuckets.Total(window.Sum(1_059)).Should().Be(3);
        LagBuckets.Total(window.Sum(1_060)).Should().Be(1); // second 1000 has left (1000, 1060]
        LagBuckets.Total(window.Sum(1_090)).Should().Be(0);

        window.Add(1_060, one); // reuses second 1000's slot, cleared first
        LagBuckets.Total(window.Sum(1_060)).Should().Be(2);
        window.Add(1_000, one); // older than the slot's second now: dropped
        LagBuckets.Total(window.Sum(1_060)).Should().Be(2);
    }
}
