using System.Numerics;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// A fixed-bucket log-linear histogram of non-negative integer values (the simulator records
/// microseconds), in the spirit of HdrHistogram: values 0–127 each have their own bucket; above that,
/// every power-of-two range [2ᵏ, 2ᵏ⁺¹) is split into 64 equal buckets, so a reported value v̂ for a true
/// value v satisfies v ≤ v̂ ≤ v·(1 + 1/64) (relative error under 1.6 %). Values above
/// <see cref="MaxTrackable"/> (~38 h in µs) are clamped. <see cref="Record"/> is thread-safe and allocation-free
/// (interlocked increments on a preallocated array of 2 048 counters).
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearCount = 128;   // values recorded exactly
    private const int SubBuckets = 64;     // buckets per power of two above that
    private const int MaxShift = 30;

    /// <summary>The largest value kept exactly in range; larger values count as this one.</summary>
    public const long MaxTrackable = ((long)LinearCount << MaxShift) - 1;

    private readonly long[] _counts = new long[LinearCount + MaxShift * SubBuckets];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Volatile.Read(ref _count);

    /// <summary>The largest value recorded (exact, not bucketed); 0 when empty.</summary>
    public long Max => Volatile.Read(ref _max);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(long value)
    {
        if (value < 0) value = 0;
        else if (value > MaxTrackable) value = MaxTrackable;

        Interlocked.Increment(ref _counts[BucketOf(value)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, value);
        var max = Volatile.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max) break;
            max = seen;
        }
    }

    /// <summary>
    /// The value at percentile <paramref name="percentile"/> (0–100) by the nearest-rank definition
    /// (the ⌈p/100 · n⌉-th smallest value), reported as the upper bound of its bucket and never above
    /// <see cref="Max"/>; 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        var count = Count;
        if (count == 0) return 0;
        var p = Math.Clamp(percentile, 0, 100);
        var rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * count));

        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(HighestInBucket(i), Max);
        }

        return Max;
    }

    internal static int BucketOf(long value)
    {
        if (value < LinearCount) return (int)value;
        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);   // ≥ 7
        var shift = msb - 6;                                            // value >> shift ∈ [64, 128)
        var top = (int)(value >> shift);
        return LinearCount + (shift - 1) * SubBuckets + (top - SubBuckets);
    }

    internal static long LowestInBucket(int bucket)
    {
        if (bucket < LinearCount) return bucket;
        var j = bucket - LinearCount;
        var shift = j / SubBuckets + 1;
        return (long)(j % SubBuckets + SubBuckets) << shift;
    }

    internal static long HighestInBucket(int bucket)
    {
        if (bucket < LinearCount) return bucket;
        var j = bucket - LinearCount;
        var shift = j / SubBuckets + 1;
        return ((long)(j % SubBuckets + SubBuckets + 1) << shift) - 1;
    }
}
