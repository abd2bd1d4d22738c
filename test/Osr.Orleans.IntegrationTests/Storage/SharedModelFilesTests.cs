using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Recommendation;
using Osr.Orleans.Models.Scoring;
using Osr.Orleans.Storage;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>
/// Two silos' model repositories, each with its own local directory, sharing the model files in
/// one real PostgreSQL database: a version saved on one is listed and loaded on the other.
/// </summary>
public sealed class SharedModelFilesTests : IAsyncLifetime
{
    private readonly string _directory = TempDirectory.Create("osr-shared-models");
    private OsrStores _stores = null!;

    public async Task InitializeAsync()
    {
        _stores = OsrStores.OpenPostgreSql(await (await PostgresServer.Shared).CreateDatabaseAsync("osr_models"));
        await _stores.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _stores.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AnAlsVersionSavedOnOneSiloIsListedAndLoadedOnAnother()
    {
        var a = Repository("silo-a");
        var b = Repository("silo-b");
        var model = Model("20261205T120000Z");

        await a.SaveAsync(model);
        var listed = await b.ListAsync();
        var loaded = await b.LoadAsync("20261205T120000Z");

        listed.Select(m => m.Manifest.Version).Should().Equal("20261205T120000Z");
        loaded.Model.Manifest.Should().BeEquivalentTo(model.Manifest);
        loaded.Model.Factors.UserFactors.Should().Equal(model.Factors.UserFactors);
        loaded.Model.Factors.ItemFactors.Should().Equal(model.Factors.ItemFactors);
        Directory.Exists(b.PathOf("20261205T120000Z")).Should().BeTrue("silo b keeps a local copy");
    }

    [Fact]
    public async Task APropensityVersionSavedOnOneSiloIsLoadedOnAnother()
    {
        var a = Repository("silo-a");
        var b = Repository("silo-b");
        var propensity = PropensityModel.FromManifest(PropensityModel.Prior.Manifest with { Version = "p-20261205", Trainer = "test" });

        await a.SavePropensityAsync(propensity);
        var listed = await b.ListPropensityAsync();
        var loaded = await b.LoadPropensityAsync("p-20261205");

        listed.Select(m => m.Version).Should().Equal("p-20261205");
        loaded.Version.Should().Be("p-20261205");
    }

    [Fact]
    public async Task TheActivePointerWrittenOnOneSiloIsReadOnAnother()
    {
        var pointer = new ActivePointer("20261205T120000Z", ["20261201T000000Z"]);

        await Repository("silo-a").WriteActiveAsync("als", pointer);
        var read = await Repository("silo-b").ReadActiveAsync("als");

        read.Active.Should().Be(pointer.Active);
        read.History.Should().Equal(pointer.History);
        (await Repository("silo-b").ReadActiveAsync("propensity")).Should().Be(ActivePointer.None);
    }

    [Fact]
    public async Task AVersionDeletedOnOneSiloIsNoLongerListedOnAnotherThatHadCopiedIt()
    {
        var a = Repository("silo-a");
        var b = Repository("silo-b");
        await a.SaveAsync(Model("20261205T120000Z"));
        await a.SaveAsync(Model("20261206T120000Z"));
        (await b.ListAsync()).Should().HaveCount(2, "b copies both");

        (await a.DeleteAsync("als", "20261205T120000Z")).Should().BeTrue();

        (await a.ListAsync()).Select(m => m.Manifest.Version).Should().Equal("20261206T120000Z");
        (await b.ListAsync()).Select(m => m.Manifest.Version).Should().Equal("20261206T120000Z");
        (await _stores.ModelFiles.ListVersionsAsync("als")).Should().Equal("20261206T120000Z");
        Directory.Exists(a.PathOf("20261205T120000Z")).Should().BeFalse();
    }

    [Fact]
    public async Task AVersionNoSiloStoredStillFailsToLoad()
    {
        var load = () => Repository("silo-b").LoadAsync("never-trained");

        await load.Should().ThrowAsync<Exception>();
    }

    private ModelRepository Repository(string silo) =>
        new(Options.Create(new ModelsOptions { Path = Path.Combine(_directory, silo) }), _stores.ModelFiles);

    private static AlsModel Model(string version, int users = 5, int items = 4, int rank = 3)
    {
        var rng = new Random(7);
        var x = Enumerable.Range(0, users * rank).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var y = Enumerable.Range(0, items * rank).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var manifest = new ModelManifest(
            version,
            ModelManifest.AlsKind,
            new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero),
            new DataWindow(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)),
            new ModelCounts(users, items, 40),
            AlsHyperParameters.From(new AlsOptions { Rank = rank }, "test"),
            new Dictionary<string, double> { ["recall@10"] = 0.25 },
            1.5,
            ModelStore.CodeVersion);
        return new AlsModel(
            manifest,
            new AlsFactors(rank, users, items, x, y),
            new IdMap(Enumerable.Range(0, users).Select(u => $"user-{u}")),
            new IdMap(Enumerable.Range(0, items).Select(i => $"item-{i}")),
            Enumerable.Range(0, items).Select(i => i % 2 == 0 ? "drinks" : "").ToArray(),
            Enumerable.Range(0, items).Select(i => items - i).ToArray(),
            new Dictionary<string, int[]> { ["runners"] = [2, 0] });
    }
}
