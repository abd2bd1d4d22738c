namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Counter-based pseudo-random numbers: every value is a pure function of its coordinates
/// (seed, user or device, sequence number, channel), so the simulation needs no per-device
/// <see cref="Random"/> object and replays identically for a seed. Mixing is the SplitMix64
/// finaliser (Steele, Lea, Flood 2014); Gaussian values use the Box–Muller transform
/// z = √(−2 ln u₁) · cos(2π u₂).
/// </summary>
public static class SimRandom
{
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public static ulong Hash(ulong a, ulong b) => Mix(Mix(a) ^ (b * 0xD6E8FEB86659FD93UL));

    public static ulong Hash(ulong a, ulong b, ulong c) => Hash(Hash(a, b), c);

    /// <summary>Uniform in [0, 1) from 53 bits of <paramref name="h"/>.</summary>
    public static double Uniform(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) for one channel of a hashed coordinate.</summary>
    public static double Uniform(ulong h, int channel) => Uniform(Hash(h, (ulong)channel));

    /// <summary>Standard normal (μ = 0, σ = 1) for one channel of a hashed coordinate.</summary>
    public static double Gaussian(ulong h, int channel)
    {
        var k = Hash(h, (ulong)channel);
        var u1 = 1.0 - Uniform(k);          // (0, 1]: ln is finite
        var u2 = Uniform(Mix(k));
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Uniform in [min, max).</summary>
    public static double Between(ulong h, int channel, double min, double max) => min + (max - min) * Uniform(h, channel);

    /// <summary>Uniform integer in [0, n).</summary>
    public static int Index(ulong h, int channel, int n) => (int)(Uniform(h, channel) * n);
}
