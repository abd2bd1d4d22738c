namespace Osr.Orleans.Models.Limits;

/// <summary>
/// A token bucket on a clock in ticks (100 ns): tokens(t) = min(capacity, tokens(t₀) + rate·(t − t₀)), full at the
/// start. <see cref="TryTake"/> takes n tokens only when they are there; <see cref="Take"/> takes them regardless
/// (a debt the refill pays back first, for pacing) and <see cref="WaitTicks"/> says how long that takes. The rate is
/// passed on each call (it is configuration, not state). A clock going backwards mints nothing. Not thread-safe.
/// </summary>
public struct TokenBucket(double capacity)
{
    private readonly double _capacity = capacity;
    private double _tokens = capacity;
    private long _last = long.MinValue;

    /// <summary>Tokens as of the last refill (negative while in debt).</summary>
    public readonly double Tokens => _tokens;

    /// <summary>Tokens there would be at <paramref name="nowTicks"/>.</summary>
    public readonly double Available(long nowTicks, double ratePerSecond) =>
        _last == long.MinValue || nowTicks <= _last
            ? _tokens
            : Math.Min(_capacity, _tokens + (nowTicks - _last) / (double)TimeSpan.TicksPerSecond * ratePerSecond);

    /// <summary>Whether the bucket has refilled completely at <paramref name="nowTicks"/> (so it may be forgotten).</summary>
    public readonly bool IsFull(long nowTicks, double ratePerSecond) => Available(nowTicks, ratePerSecond) >= _capacity;

    /// <summary>Adds what <paramref name="ratePerSecond"/> refilled since the last call.</summary>
    public void Refill(long nowTicks, double ratePerSecond)
    {
        _tokens = Available(nowTicks, ratePerSecond);
        if (nowTicks > _last) _last = nowTicks;
    }

    /// <summary>Takes <paramref name="n"/> tokens at <paramref name="nowTicks"/> if they are there; a refused request takes nothing.</summary>
    public bool TryTake(double n, long nowTicks, double ratePerSecond)
    {
        Refill(nowTicks, ratePerSecond);
        if (_tokens < n) return false;
        _tokens -= n;
        return true;
    }

    /// <summary>Ticks until <paramref name="n"/> tokens are there (0 when they are), after <see cref="Refill"/>.</summary>
    public readonly long WaitTicks(double n, double ratePerSecond) =>
        _tokens >= n ? 0 : (long)Math.Ceiling((n - _tokens) / ratePerSecond * TimeSpan.TicksPerSecond);

    /// <summary>Takes <paramref name="n"/> tokens, into debt if need be (after <see cref="Refill"/>).</summary>
    public void Take(double n) => _tokens -= n;
}
