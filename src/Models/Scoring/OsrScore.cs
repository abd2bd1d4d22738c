namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// The OSR score (docs/architecture.md "The OSR score"), for user u, candidate item i, state s:
/// <list type="bullet">
/// <item>a(u,i) = (x_u·y_i − μ_u) / σ_u, the ALS affinity standardised over the user's candidates
/// (μ_u mean, σ_u population standard deviation; all equal → a = 0) — <see cref="Standardize"/>;</item>
/// <item>raw = a(u,i) × p(s,i), p from <see cref="PropensityModel"/>;</item>
/// <item>OSR = clamp((raw − min) / (max − min), 0, 1), min and max over the raw scores of a recent
/// window across the cluster (<see cref="RawScoreWindow"/>); OSR = 0.5 when the window has no
/// spread (max − min &lt; 1e-9) — <see cref="Normalize"/>. Range: 0 ≤ OSR ≤ 1.</item>
/// </list>
/// </summary>
public static class OsrScore
{
    /// <summary>max − min below which the window has no spread.</summary>
    public const double MinSpread = 1e-9;

    /// <summary>OSR when the window has no spread.</summary>
    public const double NoSpread = 0.5;

    /// <summary>
    /// zᵢ = (aᵢ − μ) / σ with μ = mean, σ = √(Σ(aᵢ − μ)² / n) (population); all zᵢ = 0 when
    /// σ ≤ 1e-12·max(1, |μ|) (constant input, or a single candidate). Two passes (stable).
    /// <paramref name="destination"/> may be <paramref name="affinities"/> itself (in place);
    /// inputs must be finite. Does not allocate.
    /// </summary>
    public static void Standardize(ReadOnlySpan<double> affinities, Span<double> destination)
    {
        var n = affinities.Length;
        if (destination.Length < n)
        {
            throw new ArgumentException($"destination needs {n} elements, has {destination.Length}.", nameof(destination));
        }

        if (n == 0)
        {
            return;
        }

        var mean = 0.0;
        foreach (var a in affinities)
        {
            mean += a;
        }

        mean /= n;
        var squares = 0.0;
        foreach (var a in affinities)
        {
            var d = a - mean;
            squares += d * d;
        }

        var sd = Math.Sqrt(squares / n);
        if (!(sd > 1e-12 * Math.Max(1, Math.Abs(mean))))
        {
            destination[..n].Clear();
            return;
        }

        var inverse = 1 / sd;
        for (var i = 0; i < n; i++)
        {
            destination[i] = (affinities[i] - mean) * inverse;
        }
    }

    /// <summary>
    /// OSR = clamp((raw − min) / (max − min), 0, 1); <see cref="NoSpread"/> (0.5) when
    /// max − min &lt; 1e-9 or either bound is NaN; 0 when <paramref name="raw"/> is NaN (never sends).
    /// </summary>
    public static double Normalize(double raw, double min, double max)
    {
        var spread = max - min;
        if (!(spread >= MinSpread))
        {
            return NoSpread;
        }

        if (double.IsNaN(raw))
        {
            return 0;
        }

        return Math.Clamp((raw - min) / spread, 0, 1);
    }
}
