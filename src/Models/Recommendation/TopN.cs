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
        for (var i = 0; i < items; i++)
        {
            var s = scores[i];
            if (!float.IsFinite(s) || (category >= 0 && itemCategories[i] != category))
            {
                continue;
            }

            if (count < n)
            {
                destination[count] = new ScoredItem(i, s);
                SiftUp(destination, count);
                count++;
            }
            else if (Better(s, i, destination[0]))
            {
                destination[0] = new ScoredItem(i, s);
                SiftDown(destination, 0, count);
            }
        }

        // Heap sort: repeatedly move the worst to the end, leaving the best first.
        for (var end = count - 1; end > 0; end--)
        {
            (destination[0], destination[end]) = (destination[end], destination[0]);
            SiftDown(destination, 0, end);
        }

        return count;
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
