namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// SplitMix64 pseudo-random generator (Steele, Lea &amp; Flood 2014): state sₙ₊₁ = sₙ + 0x9E3779B97F4A7C15,
/// output = mix(sₙ₊₁). Used instead of <see cref="Random"/> so that initial factors and synthetic
/// data are bit-identical across runtimes for a given seed.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1), 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n), n &gt; 0 (Lemire's multiply-shift; bias &lt; n/2⁶⁴).</summary>
    public int NextInt(int n) => (int)Math.BigMul(NextUInt64(), (ulong)n, out _);

    /// <summary>Standard normal N(0, 1) by Box–Muller (one of the pair; simple, not fast).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble(); // (0, 1]
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A generator for stream <paramref name="stream"/> of <paramref name="seed"/>, independent of other streams.</summary>
    public static SplitMix64 ForStream(int seed, ulong stream)
    {
        var root = new SplitMix64((ulong)(uint)seed ^ (stream * 0xD1B54A32D192ED03UL));
        return new SplitMix64(root.NextUInt64());
    }
}
