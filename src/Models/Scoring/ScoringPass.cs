namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// The scoring pass of one decision (docs/architecture.md "The OSR score") as a pure function:
/// zᵢ = standardised affinity over the user's candidates (<see cref="OsrScore.Standardize"/>),
/// rawᵢ = zᵢ × pᵢ, OSRᵢ = (rawᵢ − min)/(max − min) clamped to [0, 1] over the recent window's range
/// (<see cref="OsrScore.Normalize"/>). The grain supplies the window's range (or this pass's own
/// range when the window is empty) and the propensities; several propensity draws of one pass share
/// the z-scores.
/// </summary>
public static class ScoringPass
{
    /// <summary>zᵢ and rawᵢ = zᵢ × pᵢ for every candidate.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Raw(ReadOnlySpan<double> affinities, ReadOnlySpan<double> propensities, Span<double> z, Span<double> raw)
    {
        if (propensities.Length != affinities.Length || z.Length != affinities.Length || raw.Length != affinities.Length)
            throw new ArgumentException("affinities, propensities, z and raw must have the same length.");
        OsrScore.Standardize(affinities, z);
        for (var i = 0; i < raw.Length; i++) raw[i] = z[i] * propensities[i];
    }

    /// <summary>rawᵢ = zᵢ × pᵢ from z-scores already computed.</summary>
    public static void Raw(ReadOnlySpan<double> z, ReadOnlySpan<double> propensities, Span<double> raw)
    {
        if (propensities.Length != z.Length || raw.Length != z.Length)
            throw new ArgumentException("z, propensities and raw must have the same length.");
        for (var i = 0; i < raw.Length; i++) raw[i] = z[i] * propensities[i];
    }

    /// <summary>OSRᵢ = clamp((rawᵢ − min)/(max − min), 0, 1); 0.5 when max = min.</summary>
    public static void Osr(ReadOnlySpan<double> raw, double min, double max, Span<double> osr)
    {
        if (osr.Length != raw.Length) throw new ArgumentException("raw and osr must have the same length.");
        for (var i = 0; i < raw.Length; i++) osr[i] = OsrScore.Normalize(raw[i], min, max);
    }

    /// <summary>The range of <paramref name="raw"/> (the fallback when the window holds nothing yet).</summary>
    public static (double Min, double Max) Range(ReadOnlySpan<double> raw)
    {
        if (raw.IsEmpty) throw new ArgumentException("no raw scores.", nameof(raw));
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var r in raw)
        {
            if (r < min) min = r;
            if (r > max) max = r;
        }
        return (min, max);
    }
}
