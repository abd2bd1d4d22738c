using System.Runtime.CompilerServices;

namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Hand-unrolled 2×2 covariance algebra of the CWNA [level, rate] model with a scalar
/// position measurement H = [1, 0], shared by <see cref="LevelTrendFilter"/> and (per axis)
/// <see cref="PositionFilter"/>. P = [[p₀₀, p₀₁], [p₀₁, p₁₁]] is stored by its three distinct
/// entries; dt in seconds ≥ 0, q ≥ 0 (level²/s³), r &gt; 0 (level²).
/// </summary>
internal static class Cwna
{
    /// <summary>
    /// P⁻ = F P Fᵀ + Q with F = [[1, dt], [0, 1]], Q = q·[[dt³/3, dt²/2], [dt²/2, dt]]:
    /// p₀₀ ← p₀₀ + 2dt·p₀₁ + dt²·p₁₁ + q·dt³/3, p₀₁ ← p₀₁ + dt·p₁₁ + q·dt²/2, p₁₁ ← p₁₁ + q·dt.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PredictCovariance(ref double p00, ref double p01, ref double p11, double dt, double q)
    {
        var dt2 = dt * dt;
        p00 = p00 + 2.0 * dt * p01 + dt2 * p11 + q * dt2 * dt / 3.0;
        p01 = p01 + dt * p11 + q * dt2 / 2.0;
        p11 = p11 + q * dt;
    }

    /// <summary>
    /// Joseph-form update P = (I − KH) P⁻ (I − KH)ᵀ + K r Kᵀ for H = [1, 0],
    /// K = [k₀, k₁] = [p₀₀, p₀₁] / s, s = p₀₀ + r, written out:
    /// p₀₀ ← (1−k₀)²p₀₀ + k₀²r, p₀₁ ← (1−k₀)(p₀₁ − k₁p₀₀) + k₀k₁r,
    /// p₁₁ ← p₁₁ − 2k₁p₀₁ + k₁²p₀₀ + k₁²r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void JosephUpdate(ref double p00, ref double p01, ref double p11, double k0, double k1, double r)
    {
        var a = 1.0 - k0;
        var n00 = a * a * p00 + k0 * k0 * r;
        var n01 = a * (p01 - k1 * p00) + k0 * k1 * r;
        var n11 = p11 - 2.0 * k1 * p01 + k1 * k1 * p00 + k1 * k1 * r;
        p00 = n00;
        p01 = n01;
        p11 = n11;
    }

    /// <summary>Seconds between two tick counts (1 tick = 100 ns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Seconds(long ticks) => ticks / (double)TimeSpan.TicksPerSecond;
}
