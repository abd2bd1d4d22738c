namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Cold-start ranking by popularity: pop(i) = number of distinct users with an entry for item i
/// (in a segment: distinct users of that segment). Items are ranked by pop descending, ties by
/// item index ascending; items nobody used are not ranked. A user without interactions gets
/// their segment's ranking, topped up from the global one. Also the baseline
/// <see cref="AlsEvaluation"/> compares ALS with. Immutable.
/// </summary>
public sealed class PopularityRanking
{
    private readonly int[] _counts;
    private readonly int[] _global;
    private readonly int[][] _segments;
    private readonly int[][] _segmentCounts;

    private PopularityRanking(int[] counts, int[] global, int[][] segments, int[][] segmentCounts)
    {
        _counts = counts;
        _global = global;
        _segments = segments;
        _segmentCounts = segmentCounts;
    }

    /// <summary>Number of items.</summary>
    public int Items => _counts.Length;

    /// <summary>Number of segments.</summary>
    public int Segments => _segments.Length;

    /// <summary>pop(i) over all users.</summary>
    public ReadOnlySpan<int> Counts => _counts;

    /// <summary>Items ranked by global popularity (only items with pop &gt; 0).</summary>
    public ReadOnlySpan<int> Ranked => _global;

    /// <summary>Items ranked by popularity within <paramref name="segment"/> (0 ≤ segment &lt; <see cref="Segments"/>).</summary>
    public ReadOnlySpan<int> RankedInSegment(int segment) => _segments[segment];

    /// <summary>
    /// Builds the ranking from <paramref name="data"/> (users × items). <paramref name="userSegments"/>
    /// (optional) gives each user's segment index in [0, <paramref name="segmentCount"/>) or −1 for none.
    /// </summary>
    public static PopularityRanking FromMatrix(InteractionMatrix data, ReadOnlySpan<int> userSegments = default, int segmentCount = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(segmentCount);
        if (!userSegments.IsEmpty && userSegments.Length != data.Rows)
        {
            throw new ArgumentException($"User segments must have one entry per user ({data.Rows}).", nameof(userSegments));
        }

        var counts = new int[data.Columns];
        for (var i = 0; i < data.Columns; i++)
        {
            counts[i] = data.ColumnCount(i);
        }

        var segmentCounts = new int[segmentCount][];
        for (var s = 0; s < segmentCount; s++)
        {
            segmentCounts[s] = new int[data.Columns];
        }

        if (!userSegments.IsEmpty)
        {
            for (var u = 0; u < data.Rows; u++)
            {
                var s = userSegments[u];
                if (s < -1 || s >= segmentCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(userSegments), $"Segment {s} of user {u} is outside [-1, {segmentCount}).");
                }

                if (s >= 0)
                {
                    foreach (var i in data.RowIndices(u))
                    {
                        segmentCounts[s][i]++;
                    }
                }
            }
        }

        var segments = new int[segmentCount][];
        for (var s = 0; s < segmentCount; s++)
        {
            segments[s] = Rank(segmentCounts[s]);
        }

        return new PopularityRanking(counts, Rank(counts), segments, segmentCounts);
    }

    /// <summary>Builds a global-only ranking from stored counts (e.g. a model's items.tsv).</summary>
    public static PopularityRanking FromCounts(int[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new PopularityRanking((int[])counts.Clone(), Rank(counts), [], []);
    }

    /// <summary>
    /// Writes up to n = <paramref name="destination"/>.Length most popular items, skipping
    /// <paramref name="exclude"/> (linear scan; meant for short lists) and, when
    /// <paramref name="category"/> ≥ 0, items whose category differs: first from
    /// <paramref name="segment"/> (if ≥ 0), then from the global ranking. Score = pop in the list
    /// the item came from. Returns the count written.
    /// </summary>
    public int Recommend(
        Span<ScoredItem> destination,
        ReadOnlySpan<int> exclude = default,
        int segment = -1,
        ReadOnlySpan<int> itemCategories = default,
        int category = -1)
    {
        if (segment >= Segments)
        {
            throw new ArgumentOutOfRangeException(nameof(segment), $"Segment {segment} is outside [-1, {Segments}).");
        }

        if (category >= 0 && itemCategories.Length < Items)
        {
            throw new ArgumentException($"Item categories must cover all {Items} items to filter by category.", nameof(itemCategories));
        }

        var count = 0;
        if (segment >= 0)
        {
            count = Fill(destination, count, _segments[segment], _segmentCounts[segment], exclude, itemCategories, category);
        }

        return Fill(destination, count, _global, _counts, exclude, itemCategories, category);
    }

    private static int Fill(
        Span<ScoredItem> destination, int count, int[] ranked, int[] counts, ReadOnlySpan<int> exclude, ReadOnlySpan<int> itemCategories, int category)
    {
        foreach (var item in ranked)
        {
            if (count == destination.Length)
            {
                break;
            }

            if (exclude.Contains(item) || (category >= 0 && itemCategories[item] != category) || destination[..count].ContainsItem(item))
            {
                continue;
            }

            destination[count++] = new ScoredItem(item, counts[item]);
        }

        return count;
    }

    private static int[] Rank(int[] counts)
    {
        var ranked = new List<int>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                ranked.Add(i);
            }
        }

        var array = ranked.ToArray();
        Array.Sort(array, (a, b) => counts[a] != counts[b] ? counts[b].CompareTo(counts[a]) : a.CompareTo(b));
        return array;
    }
}

internal static class ScoredItemSpanExtensions
{
    public static bool ContainsItem(this Span<ScoredItem> items, int item)
    {
        foreach (var s in items)
        {
            if (s.Item == item)
            {
                return true;
            }
        }

        return false;
    }
}
