namespace Osr.Orleans.Grains.Metrics;

/// <summary>
/// A token bucket: tokens(t) = min(B, tokens(t₀) + r·(t − t₀)); a request for n tokens
/// succeeds iff tokens(t) ≥ n. Range: r &gt; 0 tokens/s, B ≥ 1. Not thread-safe (one per grain).
/// </summary>
public struct TokenBucket(double ratePerSecond, double capacity)
{
    private readonly double _capacity = capacity;
    private double _tokens = capacity;
    private long _lastTimestamp = long.MinValue;

    /// <summary>Takes <paramref name="n"/> tokens at <paramref name="nowUtcTicks"/> if available.</summary>
    public bool TryTake(int n, long nowUtcTicks)
    {
        if (_lastTimestamp != long.MinValue && nowUtcTicks > _lastTimestamp)
        {
            var seconds = (nowUtcTicks - _lastTimestamp) / (double)TimeSpan.TicksPerSecond;
            _tokens = Math.Min(_capacity, _tokens + seconds * ratePerSecond);
        }
        if (nowUtcTicks > _lastTimestamp) _lastTimestamp = nowUtcTicks;
        if (_tokens < n) return false;
        _tokens -= n;
        return true;
    }

    public readonly double Available => _tokens;
}
