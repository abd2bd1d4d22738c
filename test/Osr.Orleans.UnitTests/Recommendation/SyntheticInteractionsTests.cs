using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

public sealed class SyntheticInteractionsTests
{
    [Fact]
    public void SameSeedSameDataExactCountsDistinctPairs()
    {
        var options = new SyntheticOptions { Users = 2000, Items = 500, Interactions = 40_000, Seed = 3 };
        var a = SyntheticInteractions.Generate(options);
        var b = SyntheticInteractions.Generate(options);
        a.Interactions.Should().Equal(b.Interactions);
        a.Interactions.Should().HaveCount(40_000);
        a.ToMatrix().NonZeros.Should().Be(40_000, "each user's items are distinct");
        Enumerable.Range(0, 2000).Should().OnlyContain(u => a.ToMatrix().RowCount(u) >= 1);
        SyntheticInteractions.Generate(options with { Seed = 4 }).Interactions.Should().NotEqual(a.Interactions);
    }

    [Fact]
    public void PopularityFollowsAPowerLaw()
    {
        // With Zipf s = 1 the top 1 % of items take far more than 1 % of events, and the most
        // popular item is far above the median.
        var data = SyntheticInteractions.Generate(new SyntheticOptions { Users = 5000, Items = 1000, Interactions = 100_000, Seed = 1 });
        var counts = data.ToMatrix().Transpose();
        var sorted = Enumerable.Range(0, 1000).Select(counts.RowCount).OrderDescending().ToArray();
        sorted.Take(10).Sum().Should().BeGreaterThan(100_000 / 10);
        sorted[0].Should().BeGreaterThan(20 * sorted[500]);
    }
}
