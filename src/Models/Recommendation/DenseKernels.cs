using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>Register width chosen for the dense kernels on this machine.</summary>
internal enum SimdWidth
{
    Scalar = 0,
    Bits128 = 128,
    Bits256 = 256,
    Bits512 = 512,
}

/// <summary>Picks the widest hardware-accelerated register for <see cref="DenseKernels{T, V}"/>.</summary>
internal static class SimdDispatch
{
    public static SimdWidth Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdWidth.Bits512
        : Vector256.IsHardwareAccelerated ? SimdWidth.Bits256
        : Vector128.IsHardwareAccelerated ? SimdWidth.Bits128
        : SimdWidth.Scalar;
}

/// <summary>
/// Hand-written dense kernels for ALS on float or double rows of length k, register-blocked
/// (the accumulator stays in registers while rows stream by) and specialised per register type
/// <typeparamref name="V"/>. Callers validate indices once per call; the kernels do no bounds
/// checks of their own.
/// </summary>
internal static class DenseKernels<T, V>
    where T : unmanaged, IFloatingPointIeee754<T>
    where V : struct, ISimd<V, T>
{
    /// <summary>aᵀb over <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot(ref T a, ref T b, int length)
    {
        var w = V.Count;
        var n = 0;
        var s0 = V.Zero;
        var s1 = V.Zero;
        var s2 = V.Zero;
        var s3 = V.Zero;
        for (; n + (4 * w) <= length; n += 4 * w)
        {
            s0 = V.MultiplyAdd(V.Load(ref a, (nuint)n), V.Load(ref b, (nuint)n), s0);
            s1 = V.MultiplyAdd(V.Load(ref a, (nuint)(n + w)), V.Load(ref b, (nuint)(n + w)), s1);
            s2 = V.MultiplyAdd(V.Load(ref a, (nuint)(n + (2 * w))), V.Load(ref b, (nuint)(n + (2 * w))), s2);
            s3 = V.MultiplyAdd(V.Load(ref a, (nuint)(n + (3 * w))), V.Load(ref b, (nuint)(n + (3 * w))), s3);
        }

        for (; n + w <= length; n += w)
        {
            s0 = V.MultiplyAdd(V.Load(ref a, (nuint)n), V.Load(ref b, (nuint)n), s0);
        }

        var sum = V.Sum(V.Add(V.Add(s0, s1), V.Add(s2, s3)));
        for (; n < length; n++)
        {
            sum += Unsafe.Add(ref a, n) * Unsafe.Add(ref b, n);
        }

        return sum;
    }

    public static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Spans must have the same length.", nameof(b));
        }

        return Dot(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>y ← y + α·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(T alpha, ref T x, ref T y, int length)
    {
        var w = V.Count;
        var a = V.Broadcast(alpha);
        var n = 0;
        for (; n + w <= length; n += w)
        {
            V.Store(V.MultiplyAdd(a, V.Load(ref x, (nuint)n), V.Load(ref y, (nuint)n)), ref y, (nuint)n);
        }

        for (; n < length; n++)
        {
            Unsafe.Add(ref y, n) += alpha * Unsafe.Add(ref x, n);
        }
    }

    /// <summary>p ← r + β·p (the conjugate-gradient direction update).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xpby(ref T r, T beta, ref T p, int length)
    {
        var w = V.Count;
        var b = V.Broadcast(beta);
        var n = 0;
        for (; n + w <= length; n += w)
        {
            V.Store(V.MultiplyAdd(b, V.Load(ref p, (nuint)n), V.Load(ref r, (nuint)n)), ref p, (nuint)n);
        }

        for (; n < length; n++)
        {
            Unsafe.Add(ref p, n) = Unsafe.Add(ref r, n) + (beta * Unsafe.Add(ref p, n));
        }
    }

    /// <summary>
    /// t_j = rows[idx_j]ᵀ v for every j: the dot products of the gathered rows
    /// (row r starts at r·<paramref name="stride"/>) with v (length k).
    /// </summary>
    public static void GatherDots(ref T rows, int stride, ReadOnlySpan<int> idx, ref T v, int k, Span<T> t)
    {
        for (var j = 0; j < idx.Length; j++)
        {
            t[j] = Dot(ref Unsafe.Add(ref rows, (nint)idx[j] * stride), ref v, k);
        }
    }

    /// <summary>
    /// acc ← acc + Σ_j coef_j · rows[idx_j] over the first k columns (a gathered transposed
    /// matrix-vector product Y_uᵀ·coef). Register-blocked: a 4-register column block of acc is
    /// held while the rows stream by, two rows per step with separate accumulators.
    /// </summary>
    public static void GatherAccumulate(ref T rows, int stride, ReadOnlySpan<int> idx, ReadOnlySpan<T> coef, ref T acc, int k)
    {
        var w = V.Count;
        var m = idx.Length;
        ref var c0 = ref MemoryMarshal.GetReference(coef);
        ref var i0 = ref MemoryMarshal.GetReference(idx);
        var col = 0;
        for (; col + (4 * w) <= k; col += 4 * w)
        {
            var a0 = V.Load(ref acc, (nuint)col);
            var a1 = V.Load(ref acc, (nuint)(col + w));
            var a2 = V.Load(ref acc, (nuint)(col + (2 * w)));
            var a3 = V.Load(ref acc, (nuint)(col + (3 * w)));
            var b0 = V.Zero;
            var b1 = V.Zero;
            var b2 = V.Zero;
            var b3 = V.Zero;
            var j = 0;
            for (; j + 1 < m; j += 2)
            {
                ref var r = ref Unsafe.Add(ref rows, ((nint)Unsafe.Add(ref i0, j) * stride) + col);
                ref var s = ref Unsafe.Add(ref rows, ((nint)Unsafe.Add(ref i0, j + 1) * stride) + col);
                var cr = V.Broadcast(Unsafe.Add(ref c0, j));
                var cs = V.Broadcast(Unsafe.Add(ref c0, j + 1));
                a0 = V.MultiplyAdd(cr, V.Load(ref r, 0), a0);
                a1 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)w), a1);
                a2 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(2 * w)), a2);
                a3 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(3 * w)), a3);
                b0 = V.MultiplyAdd(cs, V.Load(ref s, 0), b0);
                b1 = V.MultiplyAdd(cs, V.Load(ref s, (nuint)w), b1);
                b2 = V.MultiplyAdd(cs, V.Load(ref s, (nuint)(2 * w)), b2);
                b3 = V.MultiplyAdd(cs, V.Load(ref s, (nuint)(3 * w)), b3);
            }

            if (j < m)
            {
                ref var r = ref Unsafe.Add(ref rows, ((nint)Unsafe.Add(ref i0, j) * stride) + col);
                var cr = V.Broadcast(Unsafe.Add(ref c0, j));
                a0 = V.MultiplyAdd(cr, V.Load(ref r, 0), a0);
                a1 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)w), a1);
                a2 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(2 * w)), a2);
                a3 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(3 * w)), a3);
            }

            V.Store(V.Add(a0, b0), ref acc, (nuint)col);
            V.Store(V.Add(a1, b1), ref acc, (nuint)(col + w));
            V.Store(V.Add(a2, b2), ref acc, (nuint)(col + (2 * w)));
            V.Store(V.Add(a3, b3), ref acc, (nuint)(col + (3 * w)));
        }

        for (; col + w <= k; col += w)
        {
            var a0 = V.Load(ref acc, (nuint)col);
            for (var j = 0; j < m; j++)
            {
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref c0, j)), V.Load(ref rows, (nuint)(((nint)Unsafe.Add(ref i0, j) * stride) + col)), a0);
            }

            V.Store(a0, ref acc, (nuint)col);
        }

        for (; col < k; col++)
        {
            var sum = Unsafe.Add(ref acc, col);
            for (var j = 0; j < m; j++)
            {
                sum += Unsafe.Add(ref c0, j) * Unsafe.Add(ref rows, ((nint)Unsafe.Add(ref i0, j) * stride) + col);
            }

            Unsafe.Add(ref acc, col) = sum;
        }
    }

    /// <summary>
    /// y = A·v for a symmetric k×k row-major A (computed as Σ_s v_s·A[s,:], register-blocked).
    /// </summary>
    public static void SymmetricMatVec(ref T a, ref T v, ref T y, int k)
    {
        var w = V.Count;
        var col = 0;
        for (; col + (4 * w) <= k; col += 4 * w)
        {
            var a0 = V.Zero;
            var a1 = V.Zero;
            var a2 = V.Zero;
            var a3 = V.Zero;
            var b0 = V.Zero;
            var b1 = V.Zero;
            var b2 = V.Zero;
            var b3 = V.Zero;
            var s = 0;
            for (; s + 1 < k; s += 2)
            {
                ref var r = ref Unsafe.Add(ref a, ((nint)s * k) + col);
                ref var q = ref Unsafe.Add(ref r, k);
                var cr = V.Broadcast(Unsafe.Add(ref v, s));
                var cq = V.Broadcast(Unsafe.Add(ref v, s + 1));
                a0 = V.MultiplyAdd(cr, V.Load(ref r, 0), a0);
                a1 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)w), a1);
                a2 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(2 * w)), a2);
                a3 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(3 * w)), a3);
                b0 = V.MultiplyAdd(cq, V.Load(ref q, 0), b0);
                b1 = V.MultiplyAdd(cq, V.Load(ref q, (nuint)w), b1);
                b2 = V.MultiplyAdd(cq, V.Load(ref q, (nuint)(2 * w)), b2);
                b3 = V.MultiplyAdd(cq, V.Load(ref q, (nuint)(3 * w)), b3);
            }

            if (s < k)
            {
                ref var r = ref Unsafe.Add(ref a, ((nint)s * k) + col);
                var cr = V.Broadcast(Unsafe.Add(ref v, s));
                a0 = V.MultiplyAdd(cr, V.Load(ref r, 0), a0);
                a1 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)w), a1);
                a2 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(2 * w)), a2);
                a3 = V.MultiplyAdd(cr, V.Load(ref r, (nuint)(3 * w)), a3);
            }

            V.Store(V.Add(a0, b0), ref y, (nuint)col);
            V.Store(V.Add(a1, b1), ref y, (nuint)(col + w));
            V.Store(V.Add(a2, b2), ref y, (nuint)(col + (2 * w)));
            V.Store(V.Add(a3, b3), ref y, (nuint)(col + (3 * w)));
        }

        for (; col + w <= k; col += w)
        {
            var a0 = V.Zero;
            for (var s = 0; s < k; s++)
            {
                a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref v, s)), V.Load(ref a, (nuint)(((nint)s * k) + col)), a0);
            }

            V.Store(a0, ref y, (nuint)col);
        }

        for (; col < k; col++)
        {
            var sum = T.Zero;
            for (var s = 0; s < k; s++)
            {
                sum += Unsafe.Add(ref v, s) * Unsafe.Add(ref a, ((nint)s * k) + col);
            }

            Unsafe.Add(ref y, col) = sum;
        }
    }

    /// <summary>
    /// Lower triangle of A ← A + Σ_j s_j·b_j·b_jᵀ for the <paramref name="count"/> contiguous
    /// rows b_j of <paramref name="rows"/> (count × k). Entries above the diagonal may also be
    /// touched (column blocks are rounded up to whole registers) and must be ignored.
    /// O(count·k²/2) multiply-adds.
    /// </summary>
    public static void SyrkLower(ref T a, int k, ref T rows, ref T scale, int count)
    {
        var w = V.Count;
        for (var r = 0; r < k; r++)
        {
            ref var aRow = ref Unsafe.Add(ref a, (nint)r * k);
            var needed = r + 1;
            var col = 0;
            while (col < needed)
            {
                if (col + (4 * w) <= k && needed - col > 2 * w)
                {
                    var a0 = V.Load(ref aRow, (nuint)col);
                    var a1 = V.Load(ref aRow, (nuint)(col + w));
                    var a2 = V.Load(ref aRow, (nuint)(col + (2 * w)));
                    var a3 = V.Load(ref aRow, (nuint)(col + (3 * w)));
                    for (var j = 0; j < count; j++)
                    {
                        ref var b = ref Unsafe.Add(ref rows, (nint)j * k);
                        var c = V.Broadcast(Unsafe.Add(ref scale, j) * Unsafe.Add(ref b, r));
                        a0 = V.MultiplyAdd(c, V.Load(ref b, (nuint)col), a0);
                        a1 = V.MultiplyAdd(c, V.Load(ref b, (nuint)(col + w)), a1);
                        a2 = V.MultiplyAdd(c, V.Load(ref b, (nuint)(col + (2 * w))), a2);
                        a3 = V.MultiplyAdd(c, V.Load(ref b, (nuint)(col + (3 * w))), a3);
                    }

                    V.Store(a0, ref aRow, (nuint)col);
                    V.Store(a1, ref aRow, (nuint)(col + w));
                    V.Store(a2, ref aRow, (nuint)(col + (2 * w)));
                    V.Store(a3, ref aRow, (nuint)(col + (3 * w)));
                    col += 4 * w;
                }
                else if (col + w <= k)
                {
                    var a0 = V.Load(ref aRow, (nuint)col);
                    for (var j = 0; j < count; j++)
                    {
                        ref var b = ref Unsafe.Add(ref rows, (nint)j * k);
                        a0 = V.MultiplyAdd(V.Broadcast(Unsafe.Add(ref scale, j) * Unsafe.Add(ref b, r)), V.Load(ref b, (nuint)col), a0);
                    }

                    V.Store(a0, ref aRow, (nuint)col);
                    col += w;
                }
                else
                {
                    var sum = Unsafe.Add(ref aRow, col);
                    for (var j = 0; j < count; j++)
                    {
                        ref var b = ref Unsafe.Add(ref rows, (nint)j * k);
                        sum += Unsafe.Add(ref scale, j) * Unsafe.Add(ref b, r) * Unsafe.Add(ref b, col);
                    }

                    Unsafe.Add(ref aRow, col) = sum;
                    col++;
                }
            }
        }
    }

    /// <summary>
    /// In-place Cholesky factorisation A = L·Lᵀ of a symmetric positive definite k×k row-major
    /// matrix; reads and writes only the lower triangle (row-oriented, inner products
    /// L[i,j] = (A[i,j] − L[i,:j]·L[j,:j]) / L[j,j]). Returns false if a pivot is not &gt; 0.
    /// </summary>
    public static bool CholeskyInPlace(ref T a, int k)
    {
        for (var i = 0; i < k; i++)
        {
            ref var rowI = ref Unsafe.Add(ref a, (nint)i * k);
            for (var j = 0; j < i; j++)
            {
                ref var rowJ = ref Unsafe.Add(ref a, (nint)j * k);
                var s = Unsafe.Add(ref rowI, j) - Dot(ref rowI, ref rowJ, j);
                Unsafe.Add(ref rowI, j) = s / Unsafe.Add(ref rowJ, j);
            }

            var d = Unsafe.Add(ref rowI, i) - Dot(ref rowI, ref rowI, i);
            if (!(d > T.Zero))
            {
                return false;
            }

            Unsafe.Add(ref rowI, i) = T.Sqrt(d);
        }

        return true;
    }

    /// <summary>Solves L·Lᵀ·x = b in place (x overwrites b) given the factor from <see cref="CholeskyInPlace"/>.</summary>
    public static void CholeskySolve(ref T l, int k, ref T b)
    {
        // Forward: L z = b, z_i = (b_i − L[i,:i]·z[:i]) / L[i,i].
        for (var i = 0; i < k; i++)
        {
            ref var row = ref Unsafe.Add(ref l, (nint)i * k);
            Unsafe.Add(ref b, i) = (Unsafe.Add(ref b, i) - Dot(ref row, ref b, i)) / Unsafe.Add(ref row, i);
        }

        // Backward: Lᵀ x = z, column-oriented so that L is read by rows: x_i = z_i / L[i,i], then z[:i] −= x_i·L[i,:i].
        for (var i = k - 1; i >= 0; i--)
        {
            ref var row = ref Unsafe.Add(ref l, (nint)i * k);
            var xi = Unsafe.Add(ref b, i) / Unsafe.Add(ref row, i);
            Unsafe.Add(ref b, i) = xi;
            Axpy(-xi, ref row, ref b, i);
        }
    }
}
