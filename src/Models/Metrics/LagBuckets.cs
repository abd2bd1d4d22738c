namespace Osr.Orleans.Models.Metrics;

/// <summary>
/// Fixed log-scale latency buckets, cheap enough for the ingest hot path: a reading's lag picks a bucket
/// by <see cref="IndexOf"/> and the caller increments that slot of its own <c>long[]</c>; arrays of bucket
/// counts from any number of silos and seconds add up slot by slot (<see cref="Add"/>), and percentiles are
/// read back from the counts (<see cref="Percentile"/>).
/// </summary>
/// <remarks>
/// Bucket 0 holds lags up to <see cref="FirstBoundMs"/> (and negative ones, clamped to 0); bucket <c>i</c>
/// (1 ≤ i &lt; <see cref="Count"/> − 1) holds (<c>bound(i−1)</c>, <c>bound(i)</c>] with
/// <c>bound(i) = FirstBoundMs · 2^(i / PerOctave)</c>: 8 buckets per doubling, so a bucket is about 9 % wide.
/// The last bucket holds everything above <c>bound(Count − 2)</c> (about 3 minutes).
/// </remarks>
public static class LagBuckets
{
    public const int PerOctave = 8;
    public const double FirstBoundMs = 0.01;
    public const int Count = 200;

    /// <summary>The bucket of a lag of <paramref name="ticks"/> (100 ns units).</summary>
    public static int IndexOf(long ticks)
    {
        var ms = ticks / (double)TimeSpan.TicksPerMillisecond;
        if (!(ms > FirstBoundMs)) return 0;
        var i = Math.Ceiling(Math.Log2(ms / FirstBoundMs) * PerOctave);
        return i >= Count - 1 ? Count - 1 : (int)i;
    }

    /// <summary>The upper bound (ms) of bucket <paramref name="i"/>; +∞ for the last one.</summary>
    public static double UpperBoundMs(int i) =>
        i >= Count - 1 ? double.PositiveInfinity : FirstBoundMs * Math.Pow(2, i / (double)PerOctave);

    /// <summary>The lower bound (ms) of bucket <paramref name="i"/>; 0 for the first one.</summary>
    public static double LowerBoundMs(int i) => i <= 0 ? 0 : UpperBoundMs(i - 1);

    /// <summary>Adds <paramref name="from"/> into <paramref name="into"/> slot by slot (both <see cref="Count"/> long).</summary>
    public static void Add(Span<long> into, ReadOnlySpan<long> from)
    {
        if (into.Length != Count || from.Length != Count)
            throw new ArgumentException($"bucket arrays must have {Count} slots (got {into.Length} and {from.Length})");
        for (var i = 0; i < Count; i++) into[i] += from[i];
    }

    public static long Total(ReadOnlySpan<long> counts)
    {
        long n = 0;
        foreach (var c in counts) n += c;
        return n;
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile (0 &lt; q ≤ 1) in ms of the lags counted in <paramref name="counts"/>, null when
    /// nothing was counted. The rank is ⌈q·n⌉; inside its bucket the value is interpolated geometrically by rank
    /// (linearly in bucket 0), so it is never outside the bucket's bounds. In the open last bucket it is that
    /// bucket's lower bound (a floor: "at least").
    /// </summary>
    public static double? Percentile(ReadOnlySpan<long> counts, double q)
    {
        if (!(q > 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "a quantile is in (0, 1]");
        var total = Total(counts);
        if (total <= 0) return null;
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long before = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var c = counts[i];
            if (c <= 0 || before + c < rank)
            {
                before += Math.Max(0, c);
                continue;
            }

            var f = (rank - before) / (double)c;
            if (i == 0) return FirstBoundMs * f;
            if (i >= Count - 1) return LowerBoundMs(i);
            var lo = LowerBoundMs(i);
            return lo * Math.Pow(UpperBoundMs(i) / lo, f);
        }

        return null;
    }

    /// <summary>Count, p50, p99 and p99.9 of <paramref name="counts"/>.</summary>
    public static LagPercentiles Summarize(ReadOnlySpan<long> counts) =>
        new(Total(counts), Percentile(counts, 0.50), Percentile(counts, 0.99), Percentile(counts, 0.999));
}

/// <summary>How many lags were counted and their p50, p99 and p99.9 in ms (null when none).</summary>
[GenerateSerializer, Immutable, Alias("osr.lag-percentiles")]
public sealed record LagPercentiles(
    [property: Id(0)] long Count,
    [property: Id(1)] double? P50,
    [property: Id(2)] double? P99,
    [property: Id(3)] double? P999);
