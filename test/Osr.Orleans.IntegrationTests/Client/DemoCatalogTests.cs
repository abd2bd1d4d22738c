using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.IntegrationTests.Client;

public class DemoCatalogTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<SimUser> Users(int count, ulong seed = 1) =>
        SimulationPlan.Create(new SimulationOptions { Users = count, Seed = seed, Prefix = "demo", RealtimeDay = true, Cycle = null }).Users;

    [Fact]
    public void EveryPlantedCategoryHasTenItemsWithValidIds()
    {
        var items = DemoCatalog.Items(PlantedReceptivity.Categories);

        items.Should().HaveCount(10 * PlantedReceptivity.Categories.Count);
        items.Select(i => i.ItemId).Should().OnlyHaveUniqueItems().And.OnlyContain(id => Ids.IsValid(id));
        foreach (var category in PlantedReceptivity.Categories)
        {
            items.Where(i => i.Category == category).Select(i => i.ItemId).Should().Equal(
                Enumerable.Range(1, 10).Select(n => $"{category}-{n:D2}"));
        }

        items.Single(i => i.ItemId == "drinks-03").Kind.Should().Be(ItemKind.Product);
        items.Single(i => i.ItemId == "programs-01").Kind.Should().Be(ItemKind.Program);
        items.Single(i => i.ItemId == "stretching-10").Kind.Should().Be(ItemKind.Program);
        items.Single(i => i.ItemId == "posts-05").Kind.Should().Be(ItemKind.Post);
        items.Should().OnlyContain(i => i.Tags.Length > 0 && i.Tags.All(t => t.Length > 0 && !t.Contains(';')));
    }

    [Fact]
    public void OddCategoryNamesStillMakeValidIds()
    {
        var items = DemoCatalog.Items(["Energy Bars/Gels", "x"]);

        items.Select(i => i.ItemId).Should().OnlyContain(id => Ids.IsValid(id));
        items[0].ItemId.Should().Be("energy-bars-gels-01");
        items[0].Category.Should().Be("Energy Bars/Gels");
    }

    [Fact]
    public void TheCatalogueIsDeterministicForASeed()
    {
        var items = DemoCatalog.Items(PlantedReceptivity.Categories);

        var a = DemoCatalog.Interactions(Users(30), items, 7, Start);
        var b = DemoCatalog.Interactions(Users(30), items, 7, Start);
        var c = DemoCatalog.Interactions(Users(30), items, 8, Start);

        a.Should().Equal(b);
        a.Should().NotEqual(c);
        DemoCatalog.Items(PlantedReceptivity.Categories).Select(i => i.ItemId).Should().Equal(items.Select(i => i.ItemId));
    }

    [Fact]
    public void InteractionsAreOnlyBeforeTheStartAndNameKnownItemsAndUsers()
    {
        var users = Users(50);
        var items = DemoCatalog.Items(PlantedReceptivity.Categories);
        var itemIds = items.Select(i => i.ItemId).ToHashSet();

        var interactions = DemoCatalog.Interactions(users, items, 1, Start);

        interactions.Should().OnlyContain(i => i.Timestamp < Start - TimeSpan.FromMinutes(59) && i.Timestamp >= Start - TimeSpan.FromDays(DemoCatalog.HistoryDays));
        interactions.Should().OnlyContain(i => itemIds.Contains(i.ItemId) && Ids.IsValid(i.UserId) && Enum.IsDefined(i.Action));
        var perUser = interactions.GroupBy(i => i.UserId).ToDictionary(g => g.Key, g => g.Count());
        perUser.Keys.Should().BeEquivalentTo(users.Select(u => u.UserId));
        perUser.Values.Should().OnlyContain(n => n >= 20 && n <= 40);
        foreach (var g in interactions.GroupBy(i => i.UserId))
            g.Select(i => i.TimestampUtcTicks).Should().BeInAscendingOrder();
        interactions.Where(i => items.Single(x => x.ItemId == i.ItemId).Kind == ItemKind.Post)
            .Should().OnlyContain(i => i.Action == InteractionAction.View || i.Action == InteractionAction.Like);
    }

    [Fact]
    public void PreferencesFollowTheSegment()
    {
        var items = DemoCatalog.Items(PlantedReceptivity.Categories);
        var users = Users(600);
        var interactions = DemoCatalog.Interactions(users, items, 3, Start);
        var segmentOf = users.ToDictionary(u => u.UserId, u => u.Traits.Segment);
        var categoryOf = items.ToDictionary(i => i.ItemId, i => i.Category);

        double Share(string segment, string category)
        {
            var mine = interactions.Where(i => segmentOf[i.UserId] == segment).ToList();
            return mine.Count(i => categoryOf[i.ItemId] == category) / (double)mine.Count;
        }

        Share("yoga", "stretching").Should().BeGreaterThan(2 * Share("running", "stretching"));
        Share("running", "drinks").Should().BeGreaterThan(2 * Share("yoga", "drinks"));
        Share("powerlifting", "recipes").Should().BeGreaterThan(Share("cycling", "recipes"));
    }

    [Fact]
    public void TheHistoryIsCappedForHugePopulations()
    {
        var items = DemoCatalog.Items(["drinks"]);
        var users = Enumerable.Range(0, DemoCatalog.MaxUsersWithHistory + 5)
            .Select(i => new SimUser(i, $"h-u{i:D6}", UserTraits.Generate(1, i % 10), null!))
            .ToList();

        var interactions = DemoCatalog.Interactions(users, items, 1, Start);

        interactions.Select(i => i.UserId).Distinct().Should().HaveCount(DemoCatalog.MaxUsersWithHistory);
    }

    [Fact]
    public async Task AnEmptyClusterGetsTheCatalogueAndATrainedAlsModel()
    {
        var catalog = new FakeCatalogGrain();
        var registry = new FakeModelRegistryGrain();
        registry.Updates.Enqueue(FakeModelRegistryGrain.Job(TrainingState.Running, 3, 10, loss: 1.5));
        registry.Updates.Enqueue(FakeModelRegistryGrain.Job(TrainingState.Succeeded, 10, 10, version: "als-1", promoted: true));
        var cluster = new FakeClusterConnection().Add<ICatalogGrain>(GrainKeys.Global, catalog).Add<IModelRegistryGrain>(GrainKeys.Global, registry);
        var log = new StringWriter();
        var users = Users(5);

        await EnsureAsync(cluster, users, log);

        catalog.ItemCalls.Should().ContainSingle().Which.Should().HaveCount(60);
        catalog.Stored.Select(i => i.UserId).Distinct().Should().HaveCount(5);
        catalog.Stored.Should().Equal(DemoCatalog.Interactions(users, DemoCatalog.Items(PlantedReceptivity.Categories), 1, Start));
        registry.StartCalls.Should().Equal(("als", true));
        log.ToString().Should().Contain("importing the demo catalogue").And.Contain("iteration 3/10").And.Contain("ALS model als-1 trained (promoted)");
    }

    [Fact]
    public async Task AClusterWithItemsAndAnActiveModelIsLeftAlone()
    {
        var catalog = new FakeCatalogGrain();
        await catalog.ImportItemsAsync([new ItemRecord("mine-1", ItemKind.Product, "drinks", [])]);
        var registry = new FakeModelRegistryGrain
        {
            Versions = [new ModelVersionView("als", "als-7", true, Start, [], 1, 1, 1)],
        };
        var cluster = new FakeClusterConnection().Add<ICatalogGrain>(GrainKeys.Global, catalog).Add<IModelRegistryGrain>(GrainKeys.Global, registry);
        var log = new StringWriter();

        await EnsureAsync(cluster, Users(5), log);

        catalog.ItemCalls.Should().ContainSingle("only the test's own import");
        catalog.InteractionCalls.Should().BeEmpty();
        registry.StartCalls.Should().BeEmpty();
        log.ToString().Should().Contain("not importing the demo catalogue").And.Contain("ALS model als-7 is active");
    }

    [Fact]
    public async Task AFailedTrainingIsAWarningNotAFailure()
    {
        var catalog = new FakeCatalogGrain();
        var registry = new FakeModelRegistryGrain();
        registry.Updates.Enqueue(FakeModelRegistryGrain.Job(TrainingState.Failed, 0, 10, message: "no interactions"));
        var cluster = new FakeClusterConnection().Add<ICatalogGrain>(GrainKeys.Global, catalog).Add<IModelRegistryGrain>(GrainKeys.Global, registry);
        var log = new StringWriter();

        await EnsureAsync(cluster, Users(2), log);

        log.ToString().Should().Contain("warning: ALS training failed (no interactions)");
    }

    private static async Task EnsureAsync(FakeClusterConnection cluster, IReadOnlyList<SimUser> users, StringWriter log)
    {
        var time = new FakeTimeProvider(Start);
        var ensure = DemoCatalog.EnsureAsync(cluster.Grains, World.Planted, users, 1, Start, log, time, TimeSpan.FromMilliseconds(250), CancellationToken.None);
        // Every poll of the (fake) registry waits on the fake clock: advance it until the job has been
        // followed to its end. The continuation after each poll runs on the thread pool, maybe late on a
        // loaded machine, so the bound is real time (a hang fails here), not a number of advances.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!ensure.IsCompleted)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("DemoCatalog.EnsureAsync did not finish within 20 s");
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(ensure, Task.Delay(TimeSpan.FromMilliseconds(5)));
        }

        await ensure;
    }
}
