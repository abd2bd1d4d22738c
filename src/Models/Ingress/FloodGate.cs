using Osr.Orleans.Models.Limits;

namespace Osr.Orleans.Models.Ingress;

/// <summary>
/// The flood control of one device connection (<see cref="FloodLimits"/>). Every message is admitted, paced rather
/// than dropped: it takes its tokens at once, possibly into debt, and <see cref="Admit"/> says how long the caller must
/// hold it before reading on — the time the buckets need to pay the debt back. As a broker reads a connection's
/// messages one after the other, holding one holds the connection: a flooding device is slowed to its limits by TCP
/// back-pressure, its messages (valid or garbage) cost the silo no more than the limits allow, and a polite device
/// never notices. Error replies have their own bucket (<see cref="TryTakeError"/>); those over it are only counted.
/// <para>Thread-safe (a short lock; no allocation after construction).</para>
/// </summary>
public sealed class FloodGate
{
    /// <summary><see cref="Admit"/>'s answer when holding the message would take longer than <see cref="FloodLimits.MaxHold"/>.</summary>
    public const long Refused = long.MaxValue;

    private readonly Lock _lock = new();
    private readonly double _messageRate;
    private readonly double _byteRate;
    private readonly double _errorRate;
    private readonly long _maxHoldTicks;
    private TokenBucket _messages;
    private TokenBucket _bytes;
    private TokenBucket _errors;
    private long _suppressed;

    public FloodGate(FloodLimits limits, long nowUtcTicks)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _messageRate = limits.MessagesPerSecond;
        _byteRate = limits.BytesPerSecond;
        _errorRate = limits.ErrorsPerSecond;
        _maxHoldTicks = limits.MaxHold.Ticks;
        _messages = new TokenBucket(limits.MessageBurst);
        _bytes = new TokenBucket(limits.ByteBurst);
        _errors = new TokenBucket(limits.ErrorBurst);
        _messages.Refill(nowUtcTicks, _messageRate);
        _bytes.Refill(nowUtcTicks, _byteRate);
        _errors.Refill(nowUtcTicks, _errorRate);
    }

    /// <summary>Error replies not published because of the error budget, since the connection opened.</summary>
    public long SuppressedErrors => Volatile.Read(ref _suppressed);

    /// <summary>
    /// Admits one message of <paramref name="payloadBytes"/> at <paramref name="nowUtcTicks"/>: 0 when it is within
    /// the limits, else the ticks to hold it first; <see cref="Refused"/> (nothing taken) when that would be longer
    /// than the maximum hold.
    /// </summary>
    public long Admit(int payloadBytes, long nowUtcTicks)
    {
        lock (_lock)
        {
            _messages.Refill(nowUtcTicks, _messageRate);
            _bytes.Refill(nowUtcTicks, _byteRate);
            var wait = Math.Max(_messages.WaitTicks(1, _messageRate), _bytes.WaitTicks(payloadBytes, _byteRate));
            if (wait > _maxHoldTicks) return Refused;
            _messages.Take(1);
            _bytes.Take(payloadBytes);
            return wait;
        }
    }

    /// <summary>Takes one error reply token; false (and counted) when the error budget is spent.</summary>
    public bool TryTakeError(long nowUtcTicks)
    {
        lock (_lock)
        {
            if (_errors.TryTake(1, nowUtcTicks, _errorRate)) return true;
            _suppressed++;
            return false;
        }
    }
}
