using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

public sealed class AlsModelBuilderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "osr-model-builder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void BuildsAnEvaluatedModelThatSurvivesTheStore()
    {
        var data = SyntheticInteractions.Generate(new SyntheticOptions { Users = 800, Items = 300, Interactions = 20_000, Topics = 6, Seed = 2 });
        var log = new InteractionLog();
        foreach (var x in data.Interactions)
        {
            log.Add($"u{x.User}", $"i{x.Item}", x.Weight, DateTimeOffset.FromUnixTimeMilliseconds(x.Timestamp));
        }

        log.AddItem("never-bought");
        var categories = Enumerable.Range(0, 300).ToDictionary(i => $"i{i}", i => i % 3 == 0 ? "drinks" : "food");
        var created = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var model = AlsModelBuilder.Build(
            log,
            new AlsOptions { Rank = 8, Iterations = 5, Lambda = 1, Alpha = 10 },
            new AlsBuildOptions(),
            ModelStore.NewVersion(created),
            created,
            categories,
            user => int.Parse(user[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0 ? "even" : null);

        model.Manifest.Version.Should().Be("20260301T120000Z");
        model.Manifest.Counts.Should().Be(new ModelCounts(800, 301, 20_000));
        model.Manifest.Metrics.Keys.Should().Contain(["recall@10", "precision@10", "ndcg@10", "map@10", "coverage@10", "popularity.recall@10", "popularity.ndcg@10"]);
        model.Manifest.Metrics["recall@10"].Should().BeGreaterThan(model.Manifest.Metrics["popularity.recall@10"]);
        model.Manifest.DataWindow.From.Should().BeOnOrAfter(new SyntheticOptions().Start);
        model.Factors.Item(300).ToArray().Should().OnlyContain(v => v == 0f, "an item without interactions gets the zero factor");
        model.ItemPopularity[300].Should().Be(0);
        model.ItemCategories[300].Should().BeEmpty();
        model.SegmentPopularity.Keys.Should().Equal("even");

        var path = Path.Combine(_root, model.Manifest.Version);
        ModelStore.Save(path, model);
        var loaded = ModelStore.Load(path);
        loaded.Manifest.Should().BeEquivalentTo(model.Manifest);
        loaded.Factors.ItemFactors.Should().Equal(model.Factors.ItemFactors);
        ModelStore.List(_root).Should().ContainSingle().Which.Manifest.Version.Should().Be("20260301T120000Z");
    }
}
