namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// Min and max of raw OSR scores over a sliding window (default 24 h) kept in n fixed time
/// buckets of width Δ = window / n (default 24 × 1 h), aligned to multiples of Δ since
/// 0001-01-01 UTC so that every silo's buckets line up. Bucket q covers [qΔ, (q+1)Δ); the range at
/// time t is over buckets q_t − n &lt; q ≤ q_t, q_t = ⌊t / Δ⌋ (the window plus the current partial
/// bucket; a bucket leaves the range n buckets after it began). Memory O(n).
/// <see cref="Add"/> is O(1) and does not allocate; <see cref="Merge"/> folds in another window's
/// <see cref="Snapshot"/> bucket-wise (min of mins, max of maxes), so merging gives the window of the
/// union of the samples. Thread-safe (one short lock).
/// </summary>
public sealed class RawScoreWindow
{
    private const long Empty = long.MinValue;

    private readonly Lock _gate = new();
    private readonly long _bucketTicks;
    private readonly long[] _starts;
    private readonly double[] _mins;
    private readonly double[] _maxes;

    /// <summary>The default window: 24 h in 24 buckets of 1 h.</summary>
    public RawScoreWindow()
        : this(TimeSpan.FromHours(24), 24)
    {
    }

    /// <summary>A window of <paramref name="window"/> in <paramref name="buckets"/> buckets; the window must be a whole number of ticks per bucket.</summary>
    public RawScoreWindow(TimeSpan window, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        if (window <= TimeSpan.Zero || window.Ticks % buckets != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, $"The window must be positive and a whole number of ticks per bucket ({buckets} buckets).");
        }

        _bucketTicks = window.Ticks / buckets;
        _starts = new long[buckets];
        _mins = new double[buckets];
        _maxes = new double[buckets];
        _starts.AsSpan().Fill(Empty);
    }

    /// <summary>The window length.</summary>
    public TimeSpan Window => TimeSpan.FromTicks(_bucketTicks * _starts.Length);

    /// <summary>Number of buckets n.</summary>
    public int Buckets => _starts.Length;

    /// <summary>Bucket width Δ, ticks.</summary>
    public long BucketTicks => _bucketTicks;

    /// <summary>Records <paramref name="raw"/> at <paramref name="utcTicks"/>; NaN/±∞ and samples older than their bucket's slot are ignored. O(1), no allocation.</summary>
    public void Add(double raw, long utcTicks)
    {
        if (!double.IsFinite(raw))
        {
            return;
        }

        var start = BucketStart(utcTicks);
        lock (_gate)
        {
            Fold(start, raw, raw);
        }
    }

    /// <summary>A copy of the non-empty buckets, oldest first (for exchange between silos).</summary>
    public RawScoreWindowSnapshot Snapshot()
    {
        long[] starts;
        double[] mins;
        double[] maxes;
        lock (_gate)
        {
            starts = [.. _starts];
            mins = [.. _mins];
            maxes = [.. _maxes];
        }

        var order = Enumerable.Range(0, starts.Length).Where(b => starts[b] != Empty).OrderBy(b => starts[b]).ToArray();
        return new RawScoreWindowSnapshot(
            _bucketTicks,
            [.. order.Select(b => starts[b])],
            [.. order.Select(b => mins[b])],
            [.. order.Select(b => maxes[b])]);
    }

    /// <summary>Folds <paramref name="other"/> (same bucket width) into this window.</summary>
    public void Merge(RawScoreWindowSnapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.BucketTicks != _bucketTicks)
        {
            throw new ArgumentException($"Snapshot buckets are {other.BucketTicks} ticks wide, this window's are {_bucketTicks}.", nameof(other));
        }

        if (other.BucketStarts is null || other.Mins is null || other.Maxes is null
            || other.Mins.Length != other.BucketStarts.Length || other.Maxes.Length != other.BucketStarts.Length)
        {
            throw new ArgumentException("Snapshot arrays are missing or of different lengths.", nameof(other));
        }

        lock (_gate)
        {
            for (var j = 0; j < other.BucketStarts.Length; j++)
            {
                var start = other.BucketStarts[j];
                var min = other.Mins[j];
                var max = other.Maxes[j];
                if (start == Empty || start % _bucketTicks != 0 || !double.IsFinite(min) || !double.IsFinite(max) || min > max)
                {
                    continue;
                }

                Fold(start, min, max);
            }
        }
    }

    /// <summary>Min and max over the buckets in range at <paramref name="nowUtcTicks"/>; false when none holds a sample.</summary>
    public bool TryGetRange(long nowUtcTicks, out double min, out double max)
    {
        var newest = BucketStart(nowUtcTicks);
        var oldest = newest - ((_starts.Length - 1) * _bucketTicks);
        min = double.PositiveInfinity;
        max = double.NegativeInfinity;
        lock (_gate)
        {
            for (var b = 0; b < _starts.Length; b++)
            {
                var start = _starts[b];
                if (start != Empty && start >= oldest && start <= newest)
                {
                    min = Math.Min(min, _mins[b]);
                    max = Math.Max(max, _maxes[b]);
                }
            }
        }

        if (min > max)
        {
            min = max = double.NaN;
            return false;
        }

        return true;
    }

    private long BucketStart(long utcTicks)
    {
        var q = utcTicks / _bucketTicks;
        if (utcTicks % _bucketTicks < 0)
        {
            q--;
        }

        return q * _bucketTicks;
    }

    // Caller holds _gate.
    private void Fold(long start, double min, double max)
    {
        var q = start / _bucketTicks;
        var slot = (int)(((q % _starts.Length) + _starts.Length) % _starts.Length);
        var current = _starts[slot];
        if (current == start)
        {
            _mins[slot] = Math.Min(_mins[slot], min);
            _maxes[slot] = Math.Max(_maxes[slot], max);
        }
        else if (current == Empty || start > current)
        {
            _starts[slot] = start;
            _mins[slot] = min;
            _maxes[slot] = max;
        }

        // else: the slot already holds a newer bucket; the sample is older than the window.
    }
}

/// <summary>
/// The non-empty buckets of a <see cref="RawScoreWindow"/>: bucket j covers
/// [BucketStarts[j], BucketStarts[j] + BucketTicks) (UTC ticks) and saw raw scores in [Mins[j], Maxes[j]].
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.raw-score-window")]
public sealed record RawScoreWindowSnapshot(
    [property: Id(0)] long BucketTicks,
    [property: Id(1)] long[] BucketStarts,
    [property: Id(2)] double[] Mins,
    [property: Id(3)] double[] Maxes);
