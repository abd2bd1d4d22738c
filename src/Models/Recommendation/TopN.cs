using System.Runtime.InteropServices;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Top-n retrieval for a user factor x (length k) over item factors Y (items × k, row-major):
/// scores s = Y·x (one SIMD dot product per item), then a size-n min-heap selection in one pass,
/// O(items·k + items·log n). Order: score descending, ties by item index ascending (so the
/// result is a deterministic function of the scores). Allocation-free: the caller supplies the
/// result span (n = its length) and a score scratch of at least items floats.
/// </summary>
public static class TopN
{
    /// <summary>
    /// Writes the best min(n, eligible) items into <paramref name="destination"/> and returns how
    /// many. Eligible: not in <paramref name="exclude"/> (any order, duplicates and out-of-range
    /// indices ignored), finite score, and — when <paramref name="category"/> ≥ 0 — with
    /// <paramref name="itemCategories"/>[i] == <paramref name="category"/>.
    /// </summary>
    public static int Select(
        ReadOnlySpan<float> itemFactors,
        int rank,
        ReadOnlySpan<float> userFactor,
        Span<ScoredItem> destination,
        Span<float> scores,
        ReadOnlySpan<int> exclude = default,
        ReadOnlySpan<int> itemCategories = default,
        int category = -1)
    {
        var items = ItemCount(itemFactors, rank);
        if (scores.Length < items)
        {
            throw new ArgumentException($"Score scratch must hold {items} floats.", nameof(scores));
        }

        Scores(itemFactors, rank, userFactor, scores[..items]);
        return SelectFromScores(scores[..items], destination, exclude, itemCategories, category);
    }

    /// <summary>
    /// The same result as the row-major overload on <see cref="ItemFactorIndex.Factors"/>, with a
    /// quarter of the memory traffic: int8 approximate scores with a rigorous error bound select
    /// the few candidates that can be in the top n, which are then re-scored exactly in float
    /// (see <see cref="ItemFactorIndex"/>). The serving path.
    /// </summary>
    public static int Select(
        ItemFactorIndex index,
        ReadOnlySpan<float> userFactor,
        Span<ScoredItem> destination,
        Span<float> scores,
        ReadOnlySpan<int> exclude = default,
        ReadOnlySpan<int> itemCategories = default,
        int category = -1)
    {
        ArgumentNullException.ThrowIfNull(index);
        var items = index.Items;
        if (userFactor.Length != index.Rank)
        {
            throw new ArgumentException($"User factor must have rank = {index.Rank} values.", nameof(userFactor));
        }

        if (scores.Length < items)
        {
            throw new ArgumentException($"Score scratch must hold {items} floats.", nameof(scores));
        }

        if (category >= 0 && itemCategories.Length < items)
        {
            throw new ArgumentException($"Item categories must cover all {items} items to filter by category.", nameof(itemCategories));
        }

        scores = scores[..items];
        var errorFactor = index.ApproximateScores(userFactor, scores);
        foreach (var e in exclude)
        {
            if ((uint)e < (uint)items)
            {
                scores[e] = float.NaN;
            }
        }

        var n = destination.Length;
        if (n == 0)
        {
            return 0;
        }

        // Pass 1: θ = n-th largest lower bound a_i − e_i among eligible items.
        var count = 0;
        var scales = index.Scales;
        Scan(scores, scales, -errorFactor, float.NegativeInfinity, destination, ref count, itemCategories, category, default(KeyAsScore));
        var threshold = count < n ? float.NegativeInfinity : destination[0].Score;
        return SimdDispatch.Best switch
        {
            SimdWidth.Bits512 => Refine<Simd512<float>>(index, userFactor, destination, scores, itemCategories, category, errorFactor, threshold),
            SimdWidth.Bits256 => Refine<Simd256<float>>(index, userFactor, destination, scores, itemCategories, category, errorFactor, threshold),
            SimdWidth.Bits128 => Refine<Simd128<float>>(index, userFactor, destination, scores, itemCategories, category, errorFactor, threshold),
            _ => Refine<ScalarSimd<float>>(index, userFactor, destination, scores, itemCategories, category, errorFactor, threshold),
        };
    }

    /// <summary>Pass 2: exact float scores of the candidates a_i + e_i ≥ θ, heap-selected and sorted.</summary>
    private static int Refine<V>(
        ItemFactorIndex index,
        ReadOnlySpan<float> userFactor,
        Span<ScoredItem> destination,
        ReadOnlySpan<float> scores,
        ReadOnlySpan<int> itemCategories,
        int category,
        float errorFactor,
        float threshold)
        where V : struct, ISimd<V, float>
    {
        var count = 0;
        var exact = new ExactScore<V>(index.Factors, userFactor, index.Rank);
        Scan(scores, index.Scales, errorFactor, threshold, destination, ref count, itemCategories, category, exact);
        SortHeap(destination, count);
        return count;
    }

    /// <summary>What <see cref="Scan"/> offers to the heap for an item that passes the key test.</summary>
    private interface IHeapValue
    {
        float Value(int item, float key);
    }

    private readonly struct KeyAsScore : IHeapValue
    {
        public float Value(int item, float key) => key;
    }

    /// <summary>The exact float score y_iᵀx (same kernel as <see cref="Scores"/>).</summary>
    private readonly ref struct ExactScore<V>(ReadOnlySpan<float> factors, ReadOnlySpan<float> x, int rank) : IHeapValue
        where V : struct, ISimd<V, float>
    {
        private readonly ReadOnlySpan<float> _factors = factors;
        private readonly ReadOnlySpan<float> _x = x;

        public float Value(int item, float key) => DenseKernels<float, V>.Dot(
            ref System.Runtime.CompilerServices.Unsafe.Add(ref MemoryMarshal.GetReference(_factors), (nint)item * rank),
            ref MemoryMarshal.GetReference(_x),
            rank);
    }

    /// <summary>
    /// Offers item i to the heap when its key κ_i = keys_i + shift·scales_i (keys_i alone when
    /// <paramref name="scales"/> is empty) is ≥ <paramref name="floor"/>, can still enter the heap
    /// (heap not full, or κ_i &gt; the worst kept value — items come in ascending index order, so an
    /// equal value never wins its tie), and the item is in <paramref name="category"/> (if ≥ 0).
    /// NaN keys never pass. SIMD pre-filter: a whole register of keys is skipped with one compare
    /// once the heap is full, which is almost always.
    /// </summary>
    private static void Scan<TValue>(
        ReadOnlySpan<float> keys,
        ReadOnlySpan<float> scales,
        float shift,
        float floor,
        Span<ScoredItem> heap,
        ref int count,
        ReadOnlySpan<int> itemCategories,
        int category,
        TValue value)
        where TValue : IHeapValue, allows ref struct
    {
        var items = keys.Length;
        var scaled = !scales.IsEmpty;
        var w = System.Numerics.Vector<float>.Count;
        var floorVector = new System.Numerics.Vector<float>(floor);
        var shiftVector = new System.Numerics.Vector<float>(shift);
        var i = 0;
        for (; i + w <= items; i += w)
        {
            var k = new System.Numerics.Vector<float>(keys[i..]);
            if (scaled)
            {
                k += shiftVector * new System.Numerics.Vector<float>(scales[i..]);
            }

            var worst = count < heap.Length ? float.NegativeInfinity : heap[0].Score;
            var pass = System.Numerics.Vector.GreaterThanOrEqual(k, floorVector) & System.Numerics.Vector.GreaterThan(k, new System.Numerics.Vector<float>(worst));
            if (pass == System.Numerics.Vector<int>.Zero)
            {
                continue;
            }

            for (var lane = 0; lane < w; lane++)
            {
                if (pass[lane] != 0)
                {
                    Consider(i + lane, k[lane], floor, heap, ref count, itemCategories, category, value);
                }
            }
        }

        for (; i < items; i++)
        {
            var key = scaled ? keys[i] + (shift * scales[i]) : keys[i];
            Consider(i, key, floor, heap, ref count, itemCategories, category, value);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Consider<TValue>(
        int item, float key, float floor, Span<ScoredItem> heap, ref int count, ReadOnlySpan<int> itemCategories, int category, TValue value)
        where TValue : IHeapValue, allows ref struct
    {
        if (!(key >= floor) || (count == heap.Length && !(key > heap[0].Score)) || (category >= 0 && itemCategories[item] != category))
        {
            return;
        }

        Offer(heap, ref count, value.Value(item, key), item);
    }

    /// <summary>s_i = y_iᵀx for every item i.</summary>
    public static void Scores(ReadOnlySpan<float> itemFactors, int rank, ReadOnlySpan<float> userFactor, Span<float> scores)
    {
        var items = ItemCount(itemFactors, rank);
        if (userFactor.Length != rank)
        {
            throw new ArgumentException($"User factor must have rank = {rank} values.", nameof(userFactor));
        }

        if (scores.Length < items)
        {
            throw new ArgumentException($"Scores must hold {items} floats.", nameof(scores));
        }

        switch (SimdDispatch.Best)
        {
            case SimdWidth.Bits512:
                ScoresCore<Simd512<float>>(itemFactors, rank, userFactor, scores, items);
                break;
            case SimdWidth.Bits256:
                ScoresCore<Simd256<float>>(itemFactors, rank, userFactor, scores, items);
                break;
            case SimdWidth.Bits128:
                ScoresCore<Simd128<float>>(itemFactors, rank, userFactor, scores, items);
                break;
            default:
                ScoresCore<ScalarSimd<float>>(itemFactors, rank, userFactor, scores, items);
                break;
        }
    }

    /// <summary>
    /// The selection half of <see cref="Select"/> on precomputed scores. Excluded items are marked
    /// NaN in <paramref name="scores"/> (which is scratch); NaN scores are never selected.
    /// </summary>
    public static int SelectFromScores(
        Span<float> scores,
        Span<ScoredItem> destination,
        ReadOnlySpan<int> exclude = default,
        ReadOnlySpan<int> itemCategories = default,
        int category = -1)
    {
        var items = scores.Length;
        if (category >= 0 && itemCategories.Length < items)
        {
            throw new ArgumentException($"Item categories must cover all {items} items to filter by category.", nameof(itemCategories));
        }

        foreach (var e in exclude)
        {
            if ((uint)e < (uint)items)
            {
                scores[e] = float.NaN;
            }
        }

        var n = destination.Length;
        if (n == 0)
        {
            return 0;
        }

        var count = 0;
        Scan(scores, default, 0f, float.NegativeInfinity, destination, ref count, itemCategories, category, default(KeyAsScore));
        SortHeap(destination, count);
        return count;
    }

    /// <summary>Keeps the best destination.Length (score, item) pairs seen so far in a min-heap (root = worst kept).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Offer(Span<ScoredItem> heap, ref int count, float score, int item)
    {
        if (count < heap.Length)
        {
            heap[count] = new ScoredItem(item, score);
            SiftUp(heap, count);
            count++;
        }
        else if (Better(score, item, heap[0]))
        {
            heap[0] = new ScoredItem(item, score);
            SiftDown(heap, 0, count);
        }
    }

    /// <summary>Heap sort: repeatedly moves the worst to the end, leaving the best first.</summary>
    private static void SortHeap(Span<ScoredItem> heap, int count)
    {
        for (var end = count - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(heap, 0, end);
        }
    }

    /// <summary>True if (score, item) ranks before <paramref name="other"/>: higher score, or equal score and lower index.</summary>
    private static bool Better(float score, int item, ScoredItem other) => score > other.Score || (score == other.Score && item < other.Item);

    // Min-heap on rank order: the root is the worst kept item.
    private static void SiftUp(Span<ScoredItem> heap, int n)
    {
        var node = heap[n];
        while (n > 0)
        {
            var parent = (n - 1) >> 1;
            if (!Better(heap[parent].Score, heap[parent].Item, node))
            {
                break;
            }

            heap[n] = heap[parent];
            n = parent;
        }

        heap[n] = node;
    }

    private static void SiftDown(Span<ScoredItem> heap, int n, int count)
    {
        var node = heap[n];
        while (true)
        {
            var child = (2 * n) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Better(heap[child].Score, heap[child].Item, heap[child + 1]))
            {
                child++;
            }

            if (!Better(node.Score, node.Item, heap[child]))
            {
                break;
            }

            heap[n] = heap[child];
            n = child;
        }

        heap[n] = node;
    }

    private static void ScoresCore<V>(ReadOnlySpan<float> itemFactors, int rank, ReadOnlySpan<float> userFactor, Span<float> scores, int items)
        where V : struct, ISimd<V, float>
    {
        ref var y = ref MemoryMarshal.GetReference(itemFactors);
        ref var x = ref MemoryMarshal.GetReference(userFactor);
        for (var i = 0; i < items; i++)
        {
            scores[i] = DenseKernels<float, V>.Dot(ref System.Runtime.CompilerServices.Unsafe.Add(ref y, (nint)i * rank), ref x, rank);
        }
    }

    private static int ItemCount(ReadOnlySpan<float> itemFactors, int rank)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        if (itemFactors.Length % rank != 0)
        {
            throw new ArgumentException("Item factor length must be a multiple of the rank.", nameof(itemFactors));
        }

        return itemFactors.Length / rank;
    }
}
