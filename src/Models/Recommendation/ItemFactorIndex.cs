using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Item factors prepared for exact top-n retrieval with a quarter of the memory traffic.
/// Besides the row-major float factors Y (kept by reference; do not mutate them), each item is
/// quantised to int8 with its own scale: q_in = round(y_in / σ_i), σ_i = max_n |y_in| / 127, so
/// |y_in − σ_i q_in| ≤ σ_i / 2. Items are packed in tiles of W (16 with AVX-512, 8 with AVX2),
/// a tile holding for each dimension n the W items' q_in contiguously.
/// <para>Selection (<see cref="TopN.Select(ItemFactorIndex, ReadOnlySpan{float}, Span{ScoredItem}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{int}, int)"/>):
/// approximate scores a_i = σ_i Σ_n x_n q_in for all items (a tile yields W scores with k
/// multiply-adds, no horizontal sums); each is within e_i = σ_i ‖x‖₁ (1/2 + 254·(k + 2)·2⁻²⁴)(1 + 10⁻⁴) of the
/// float score s_i (quantisation plus float rounding of both sums). θ = the n-th largest lower
/// bound a_i − e_i among eligible items; only items with a_i + e_i ≥ θ can be in the exact top n
/// (n items have s ≥ θ), and only those are re-scored in float from Y. The result equals
/// <see cref="TopN.Select(ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{ScoredItem}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{int}, int)"/>
/// on Y exactly, ties included. Immutable and thread-safe.</para>
/// </summary>
public sealed class ItemFactorIndex
{
    private readonly float[] _factors;
    private readonly sbyte[] _tiles;
    private readonly float[] _scales;

    private ItemFactorIndex(float[] factors, sbyte[] tiles, float[] scales, int items, int rank, int width)
    {
        _factors = factors;
        _tiles = tiles;
        _scales = scales;
        Items = items;
        Rank = rank;
        TileWidth = width;
    }

    public int Items { get; }

    public int Rank { get; }

    /// <summary>Items per tile (W).</summary>
    public int TileWidth { get; }

    /// <summary>Y, row-major (the array passed to <see cref="Create"/>).</summary>
    public ReadOnlySpan<float> Factors => _factors;

    /// <summary>Builds the index over <paramref name="itemFactors"/> (items × <paramref name="rank"/>, row-major, all finite).</summary>
    public static ItemFactorIndex Create(float[] itemFactors, int rank) => Create(itemFactors, rank, SimdDispatch.Best);

    internal static ItemFactorIndex Create(float[] itemFactors, int rank, SimdWidth simd)
    {
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        if (itemFactors.Length % rank != 0)
        {
            throw new ArgumentException("Item factor length must be a multiple of the rank.", nameof(itemFactors));
        }

        var items = itemFactors.Length / rank;
        var width = simd == SimdWidth.Bits512 && Avx512F.IsSupported ? 16 : simd >= SimdWidth.Bits256 && Avx2.IsSupported ? 8 : 1;
        var tiles = (items + width - 1) / width;
        var packed = new sbyte[(long)tiles * width * rank];
        var scales = new float[tiles * width];
        for (var i = 0; i < items; i++)
        {
            var row = itemFactors.AsSpan(i * rank, rank);
            var max = 0f;
            foreach (var v in row)
            {
                if (!float.IsFinite(v))
                {
                    throw new ArgumentException($"Item {i} has a non-finite factor.", nameof(itemFactors));
                }

                max = Math.Max(max, Math.Abs(v));
            }

            var scale = max / 127f;
            scales[i] = scale;
            var tile = i / width;
            var lane = i % width;
            var baseOffset = (long)tile * width * rank;
            for (var n = 0; n < rank; n++)
            {
                packed[baseOffset + (n * width) + lane] = scale == 0f ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(row[n] / scale), -127f, 127f);
            }
        }

        return new ItemFactorIndex(itemFactors, packed, scales, items, rank, width);
    }

    /// <summary>Exact float scores s_i = y_iᵀx (as <see cref="TopN.Scores"/>).</summary>
    public void Scores(ReadOnlySpan<float> userFactor, Span<float> scores) => TopN.Scores(_factors, Rank, userFactor, scores);

    /// <summary>a_i for every item into <paramref name="scores"/>; returns the error factor c with e_i = c·σ_i.</summary>
    internal float ApproximateScores(ReadOnlySpan<float> x, Span<float> scores)
    {
        var norm1 = 0.0;
        foreach (var v in x)
        {
            norm1 += Math.Abs(v);
        }

        switch (TileWidth)
        {
            case 16:
                Approximate512(x, scores);
                break;
            case 8:
                Approximate256(x, scores);
                break;
            default:
                ApproximateScalar(x, scores);
                break;
        }

        // Quantisation (½σ‖x‖₁) plus float rounding of both k-term sums (≤ 2·k·2⁻²⁴·Σ|x||y|, Σ|x||y| ≤ 127σ‖x‖₁), rounded up.
        return (float)(norm1 * (0.5 + (254.0 * (Rank + 2) * Math.Pow(2, -24))) * (1 + 1e-4));
    }

    /// <summary>σ_i per item (padded to whole tiles; only the first <see cref="Items"/> are used).</summary>
    internal ReadOnlySpan<float> Scales => _scales.AsSpan(0, Items);

    private void Approximate512(ReadOnlySpan<float> x, Span<float> scores)
    {
        const int W = 16;
        var k = Rank;
        var tileLength = W * k;
        var tiles = (Items + W - 1) / W;
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var q = ref MemoryMarshal.GetArrayDataReference(_tiles);
        ref var sc = ref MemoryMarshal.GetArrayDataReference(_scales);
        var t = 0;
        for (; t + 2 <= tiles; t += 2)
        {
            ref var q0 = ref Unsafe.Add(ref q, (nint)t * tileLength);
            ref var q1 = ref Unsafe.Add(ref q0, tileLength);
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var b0 = Vector512<float>.Zero;
            var b1 = Vector512<float>.Zero;
            var n = 0;
            for (; n + 1 < k; n += 2)
            {
                var xn = Vector512.Create(Unsafe.Add(ref xr, n));
                var xm = Vector512.Create(Unsafe.Add(ref xr, n + 1));
                a0 = Vector512.MultiplyAddEstimate(xn, Widen16(ref q0, n * W), a0);
                a1 = Vector512.MultiplyAddEstimate(xn, Widen16(ref q1, n * W), a1);
                b0 = Vector512.MultiplyAddEstimate(xm, Widen16(ref q0, (n + 1) * W), b0);
                b1 = Vector512.MultiplyAddEstimate(xm, Widen16(ref q1, (n + 1) * W), b1);
            }

            if (n < k)
            {
                var xn = Vector512.Create(Unsafe.Add(ref xr, n));
                a0 = Vector512.MultiplyAddEstimate(xn, Widen16(ref q0, n * W), a0);
                a1 = Vector512.MultiplyAddEstimate(xn, Widen16(ref q1, n * W), a1);
            }

            Store((a0 + b0) * Vector512.LoadUnsafe(ref sc, (nuint)(t * W)), scores, t * W);
            Store((a1 + b1) * Vector512.LoadUnsafe(ref sc, (nuint)((t + 1) * W)), scores, (t + 1) * W);
        }

        for (; t < tiles; t++)
        {
            ref var q0 = ref Unsafe.Add(ref q, (nint)t * tileLength);
            var a0 = Vector512<float>.Zero;
            for (var n = 0; n < k; n++)
            {
                a0 = Vector512.MultiplyAddEstimate(Vector512.Create(Unsafe.Add(ref xr, n)), Widen16(ref q0, n * W), a0);
            }

            Store(a0 * Vector512.LoadUnsafe(ref sc, (nuint)(t * W)), scores, t * W);
        }
    }

    private void Approximate256(ReadOnlySpan<float> x, Span<float> scores)
    {
        const int W = 8;
        var k = Rank;
        var tileLength = W * k;
        var tiles = (Items + W - 1) / W;
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var q = ref MemoryMarshal.GetArrayDataReference(_tiles);
        ref var sc = ref MemoryMarshal.GetArrayDataReference(_scales);
        var t = 0;
        for (; t + 2 <= tiles; t += 2)
        {
            ref var q0 = ref Unsafe.Add(ref q, (nint)t * tileLength);
            ref var q1 = ref Unsafe.Add(ref q0, tileLength);
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var b0 = Vector256<float>.Zero;
            var b1 = Vector256<float>.Zero;
            var n = 0;
            for (; n + 1 < k; n += 2)
            {
                var xn = Vector256.Create(Unsafe.Add(ref xr, n));
                var xm = Vector256.Create(Unsafe.Add(ref xr, n + 1));
                a0 = Vector256.MultiplyAddEstimate(xn, Widen8(ref q0, n * W), a0);
                a1 = Vector256.MultiplyAddEstimate(xn, Widen8(ref q1, n * W), a1);
                b0 = Vector256.MultiplyAddEstimate(xm, Widen8(ref q0, (n + 1) * W), b0);
                b1 = Vector256.MultiplyAddEstimate(xm, Widen8(ref q1, (n + 1) * W), b1);
            }

            if (n < k)
            {
                var xn = Vector256.Create(Unsafe.Add(ref xr, n));
                a0 = Vector256.MultiplyAddEstimate(xn, Widen8(ref q0, n * W), a0);
                a1 = Vector256.MultiplyAddEstimate(xn, Widen8(ref q1, n * W), a1);
            }

            Store((a0 + b0) * Vector256.LoadUnsafe(ref sc, (nuint)(t * W)), scores, t * W);
            Store((a1 + b1) * Vector256.LoadUnsafe(ref sc, (nuint)((t + 1) * W)), scores, (t + 1) * W);
        }

        for (; t < tiles; t++)
        {
            ref var q0 = ref Unsafe.Add(ref q, (nint)t * tileLength);
            var a0 = Vector256<float>.Zero;
            for (var n = 0; n < k; n++)
            {
                a0 = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref xr, n)), Widen8(ref q0, n * W), a0);
            }

            Store(a0 * Vector256.LoadUnsafe(ref sc, (nuint)(t * W)), scores, t * W);
        }
    }

    private void ApproximateScalar(ReadOnlySpan<float> x, Span<float> scores)
    {
        var k = Rank;
        for (var i = 0; i < Items; i++)
        {
            var q = _tiles.AsSpan(i * k, k);
            var sum = 0f;
            for (var n = 0; n < k; n++)
            {
                sum += x[n] * q[n];
            }

            scores[i] = sum * _scales[i];
        }
    }

    /// <summary>16 int8 at <paramref name="offset"/> → 16 floats (vpmovsxbd + vcvtdq2ps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen16(ref sbyte q, int offset) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref q, (nuint)offset)));

    /// <summary>8 int8 at <paramref name="offset"/> → 8 floats (vpmovsxbd + vcvtdq2ps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(ref sbyte q, int offset) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref q, offset)))).AsSByte()));

    /// <summary>Stores the tile's scores, dropping padding lanes past the last item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(Vector512<float> value, Span<float> scores, int start)
    {
        if (start + 16 <= Items)
        {
            value.StoreUnsafe(ref MemoryMarshal.GetReference(scores), (nuint)start);
        }
        else
        {
            for (var lane = 0; start + lane < Items; lane++)
            {
                scores[start + lane] = value[lane];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(Vector256<float> value, Span<float> scores, int start)
    {
        if (start + 8 <= Items)
        {
            value.StoreUnsafe(ref MemoryMarshal.GetReference(scores), (nuint)start);
        }
        else
        {
            for (var lane = 0; start + lane < Items; lane++)
            {
                scores[start + lane] = value[lane];
            }
        }
    }
}
