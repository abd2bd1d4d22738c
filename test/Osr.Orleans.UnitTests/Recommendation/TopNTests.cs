using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

/// <summary>Oracle: a full sort of all (item, score) pairs by score descending, then item ascending.</summary>
public sealed class TopNTests
{
    private const int Rank = 16;

    private static (float[] Y, float[] X) Random(int items, int seed, bool ties)
    {
        var rng = new Random(seed);
        var y = new float[items * Rank];
        for (var n = 0; n < y.Length; n++)
        {
            y[n] = (float)(rng.NextDouble() - 0.5);
        }

        if (ties)
        {
            // Every 3rd item copies item 0's factor, so they all tie.
            for (var i = 3; i < items; i += 3)
            {
                y.AsSpan(0, Rank).CopyTo(y.AsSpan(i * Rank, Rank));
            }
        }

        var x = Enumerable.Range(0, Rank).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return (y, x);
    }

    private static ScoredItem[] Oracle(float[] scores, Func<int, bool> eligible, int n) => Enumerable.Range(0, scores.Length)
        .Where(eligible)
        .Select(i => new ScoredItem(i, scores[i]))
        .OrderByDescending(s => s.Score)
        .ThenBy(s => s.Item)
        .Take(n)
        .ToArray();

    [Theory]
    [InlineData(1000, 10, false)]
    [InlineData(1000, 10, true)]
    [InlineData(257, 1, true)]
    [InlineData(50, 49, true)]
    public void SelectionEqualsAFullSort(int items, int n, bool ties)
    {
        var (y, x) = Random(items, items + n, ties);
        var scores = new float[items];
        TopN.Scores(y, Rank, x, scores);
        var expected = Oracle((float[])scores.Clone(), _ => true, n);
        var result = new ScoredItem[n];
        var count = TopN.Select(y, Rank, x, result, new float[items]);
        count.Should().Be(n);
        result.Should().Equal(expected);
    }

    [Fact]
    public void ScoresAreDotProducts()
    {
        // Oracle: scalar double dot products; 1e-5 (float32 accumulation).
        var (y, x) = Random(300, 4, false);
        var scores = new float[300];
        TopN.Scores(y, Rank, x, scores);
        for (var i = 0; i < 300; i++)
        {
            var expected = 0.0;
            for (var n = 0; n < Rank; n++)
            {
                expected += (double)y[(i * Rank) + n] * x[n];
            }

            scores[i].Should().BeApproximately((float)expected, 1e-5f);
        }
    }

    public static TheoryData<int, int, int> IndexCases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var width in AlsHalfStepTests.SupportedWidths())
        {
            data.Add((int)width, 2000, 64);
            data.Add((int)width, 77, 5);
            data.Add((int)width, 3, 16);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IndexCases))]
    public void QuantisedIndexSelectsExactlyWhatTheFloatPathSelects(int widthBits, int items, int rank)
    {
        // Oracle: TopN.Select on the row-major float factors (itself checked against a full sort).
        // The int8 pass only prunes; survivors are re-scored in float, so results must be identical,
        // including many exact ties (every 5th item copies item 1) and near-ties (item 2 = item 1 + 1 ulp).
        var rng = new Random(items + rank);
        var y = Enumerable.Range(0, items * rank).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        for (var i = 5; i < items; i += 5)
        {
            y.AsSpan(rank, rank).CopyTo(y.AsSpan(i * rank, rank));
        }

        if (items > 2)
        {
            for (var n = 0; n < rank; n++)
            {
                y[(2 * rank) + n] = MathF.BitIncrement(y[rank + n]);
            }
        }

        var categories = Enumerable.Range(0, items).Select(i => i % 3).ToArray();
        var index = ItemFactorIndex.Create(y, rank, (SimdWidth)widthBits);
        var expected = new ScoredItem[10];
        var actual = new ScoredItem[10];
        var scratch = new float[items];
        for (var user = 0; user < 50; user++)
        {
            var x = Enumerable.Range(0, rank).Select(_ => (float)(rng.NextDouble() - 0.5) * (user + 1)).ToArray();
            int[] exclude = [user % items, 1];
            var category = user % 4 == 0 ? 1 : -1;
            var n = TopN.Select(y, rank, x, expected, scratch, exclude, categories, category);
            TopN.Select(index, x, actual, scratch, exclude, categories, category).Should().Be(n);
            actual[..n].Should().Equal(expected[..n]);
        }
    }

    [Fact]
    public void ExcludedItemsAndOtherCategoriesAreSkipped()
    {
        var (y, x) = Random(500, 9, true);
        var scores = new float[500];
        TopN.Scores(y, Rank, x, scores);
        var categories = Enumerable.Range(0, 500).Select(i => i % 4).ToArray();
        var best = Oracle(scores, _ => true, 5);
        int[] exclude = [best[0].Item, best[2].Item, 10_000, -1, best[0].Item];
        var excluded = exclude.ToHashSet();
        var expected = Oracle(scores, i => !excluded.Contains(i) && categories[i] == 2, 10);

        var result = new ScoredItem[10];
        var count = TopN.Select(y, Rank, x, result, new float[500], exclude, categories, category: 2);
        count.Should().Be(10);
        result.Should().Equal(expected);
        result.Should().OnlyContain(s => categories[s.Item] == 2 && !excluded.Contains(s.Item));
    }

    [Fact]
    public void AskingForMoreThanTheCatalogueReturnsEveryEligibleItemSorted()
    {
        var (y, x) = Random(7, 2, false);
        var result = new ScoredItem[20];
        var count = TopN.Select(y, Rank, x, result, new float[7], exclude: [3]);
        count.Should().Be(6);
        var scores = new float[7];
        TopN.Scores(y, Rank, x, scores);
        result[..count].Should().Equal(Oracle(scores, i => i != 3, 20));
    }

    [Fact]
    public void SelectionAllocatesNothing()
    {
        var (y, x) = Random(10_000, 1, false);
        var result = new ScoredItem[10];
        var scores = new float[10_000];
        int[] exclude = [1, 2, 3];
        TopN.Select(y, Rank, x, result, scores, exclude);
        var index = ItemFactorIndex.Create(y, Rank);
        TopN.Select(index, x, result, scores, exclude);
        Allocations.Least(() =>
        {
            TopN.Select(y, Rank, x, result, scores, exclude);
            TopN.Select(index, x, result, scores, exclude);
        }).Should().Be(0);
    }

    [Fact]
    public void PopularityRecommendsTheSegmentFirstThenTheGlobalRanking()
    {
        // Users 0–2 in segment 0, users 3–4 in segment 1, user 5 in none.
        // Item popularity (distinct users): item 0: 4, item 1: 3, item 2: 2, item 3: 2, item 4: 1.
        var data = InteractionMatrix.FromTriples(
            6, 5,
            [0, 0, 1, 2, 3, 3, 4, 4, 5, 5, 0, 1],
            [4, 2, 2, 3, 0, 1, 0, 1, 0, 1, 0, 3],
            [1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f]);
        var popularity = PopularityRanking.FromMatrix(data, [0, 0, 0, 1, 1, -1], 2);
        popularity.Ranked.ToArray().Should().Equal(0, 1, 2, 3, 4);
        popularity.RankedInSegment(0).ToArray().Should().Equal(2, 3, 0, 4);
        popularity.RankedInSegment(1).ToArray().Should().Equal(0, 1);

        var result = new ScoredItem[4];
        popularity.Recommend(result, exclude: [3], segment: 0).Should().Be(4);
        result.Select(s => s.Item).Should().Equal(2, 0, 4, 1);
        result[0].Score.Should().Be(2f);

        var global = new ScoredItem[10];
        popularity.Recommend(global).Should().Be(5);
        global[..5].Select(s => s.Item).Should().Equal(0, 1, 2, 3, 4);

        var categories = new[] { 0, 1, 0, 1, 0 };
        var filtered = new ScoredItem[10];
        popularity.Recommend(filtered, segment: 1, itemCategories: categories, category: 0).Should().Be(3);
        filtered[..3].Select(s => s.Item).Should().Equal(0, 2, 4);
    }
}
