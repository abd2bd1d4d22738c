using Osr.Orleans.Models.Limits;

namespace Osr.Orleans.Models.Door;

/// <summary>
/// New connections per remote address: one <see cref="TokenBucket"/> per key (an address), in a table of at
/// most <c>capacity</c> entries. When the table is full, buckets that refilled completely are dropped (they
/// carry no information); if none is, the new key shares one overflow bucket, so memory stays bounded and an
/// address flood still meets a limit. Thread-safe.
/// </summary>
public sealed class AddressRateLimiter<TKey>(double ratePerSecond, double burst, int capacity) where TKey : notnull
{
    private readonly Dictionary<TKey, TokenBucket> _buckets = [];
    private readonly object _gate = new();
    private TokenBucket _overflow = new(burst);

    public bool Enabled => ratePerSecond > 0;

    public int Count
    {
        get { lock (_gate) return _buckets.Count; }
    }

    /// <summary>Whether <paramref name="key"/> may open one more connection at <paramref name="nowMs"/> (takes a token).</summary>
    public bool TryAcquire(TKey key, long nowMs)
    {
        if (!Enabled) return true;
        lock (_gate)
        {
            var now = nowMs * TimeSpan.TicksPerMillisecond;
            if (_buckets.TryGetValue(key, out var bucket))
            {
                var ok = bucket.TryTake(1, now, ratePerSecond);
                _buckets[key] = bucket;
                return ok;
            }
            if (_buckets.Count >= capacity) Sweep(now);
            if (_buckets.Count >= capacity) return _overflow.TryTake(1, now, ratePerSecond);
            bucket = new TokenBucket(burst);
            bucket.TryTake(1, now, ratePerSecond);
            _buckets[key] = bucket;
            return true;
        }
    }

    private void Sweep(long nowTicks)
    {
        foreach (var (key, bucket) in _buckets)
            if (bucket.IsFull(nowTicks, ratePerSecond)) _buckets.Remove(key);
    }
}
