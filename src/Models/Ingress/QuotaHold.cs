namespace Osr.Orleans.Models.Ingress;

/// <summary>
/// How long an MQTT 3.1.1 client's message, refused by its device's reading quota, is held before it is offered
/// again (docs/decisions.md): 3.1.1 has no negative PUBACK, so instead of a positive one that would lose the readings
/// the acknowledgement waits until the token bucket has room.
/// </summary>
public static class QuotaHold
{
    /// <summary>
    /// Ticks after which a bucket refilled at <paramref name="ratePerSecond"/> surely holds <paramref name="readings"/>
    /// tokens (it held fewer than that when the message was refused, at worst none); −1 when the batch is larger than
    /// the whole bucket (<paramref name="burst"/>) and can never fit.
    /// </summary>
    public static long WaitTicks(int readings, double ratePerSecond, int burst)
    {
        if (readings > burst || !(ratePerSecond > 0)) return -1;
        return (long)Math.Ceiling(readings / ratePerSecond * TimeSpan.TicksPerSecond);
    }
}
