namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// How long a device waits before its next connect attempt after <c>n</c> consecutive failures, with full jitter
/// so that the devices of a silo that died do not all knock on the survivors at the same instant:
/// <c>delay(n, u) = min(Max, Base · 2ⁿ⁻¹) · (½ + ½u)</c>, u ∈ [0, 1). Range: Base/2 … Max.
/// With Base = 250 ms and Max = 5 s: 125–250 ms, 250–500 ms, 0.5–1 s, 1–2 s, 2–4 s, then 2.5–5 s.
/// </summary>
public static class ReconnectBackoff
{
    public static readonly TimeSpan Base = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    /// <summary>The wait after <paramref name="failures"/> (≥ 1) consecutive failed attempts; <paramref name="u"/> uniform in [0, 1).</summary>
    public static TimeSpan Delay(int failures, double u)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        if (u is < 0 or >= 1 || double.IsNaN(u)) throw new ArgumentOutOfRangeException(nameof(u), u, "u must be in [0, 1)");
        var exponent = Math.Min(failures - 1, 16);
        var ceiling = Math.Min(Max.Ticks, Base.Ticks << exponent);
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + 0.5 * u)));
    }

    /// <summary>
    /// The broker a device tries after its <paramref name="failures"/>-th consecutive failed attempt on
    /// <paramref name="current"/>, out of <paramref name="brokers"/>. The first failure jumps by
    /// <c>1 + spread mod (brokers − 1)</c>, so the devices of a silo that died (different <paramref name="spread"/>,
    /// e.g. the device's index) land evenly on the survivors instead of all on the next one; later failures step
    /// by one, so every broker of the list is tried in turn.
    /// </summary>
    public static int NextBroker(int current, int brokers, int failures, int spread)
    {
        if (brokers <= 1) return 0;
        var step = failures <= 1 ? 1 + (int)((uint)spread % (uint)(brokers - 1)) : 1;
        return (current + step) % brokers;
    }
}
