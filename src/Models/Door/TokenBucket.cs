namespace Osr.Orleans.Models.Door;

/// <summary>
/// A token bucket: holds at most <c>burst</c> tokens, refilled at <c>ratePerSecond</c>; each event takes one.
/// Times are monotonic milliseconds.
/// </summary>
public struct TokenBucket
{
    private double _tokens;
    private long _lastMs;

    public static TokenBucket Full(double burst, long nowMs) => new() { _tokens = burst, _lastMs = nowMs };

    /// <summary>Tokens available at <paramref name="nowMs"/>.</summary>
    public readonly double Available(double ratePerSecond, double burst, long nowMs) =>
        Math.Min(burst, _tokens + Math.Max(0, nowMs - _lastMs) * ratePerSecond / 1000.0);

    /// <summary>Takes one token when there is one.</summary>
    public bool TryTake(double ratePerSecond, double burst, long nowMs)
    {
        _tokens = Available(ratePerSecond, burst, nowMs);
        _lastMs = Math.Max(_lastMs, nowMs);
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }

    /// <summary>Whether the bucket is full again at <paramref name="nowMs"/> (so it may be forgotten).</summary>
    public readonly bool IsFull(double ratePerSecond, double burst, long nowMs) => Available(ratePerSecond, burst, nowMs) >= burst;
}
