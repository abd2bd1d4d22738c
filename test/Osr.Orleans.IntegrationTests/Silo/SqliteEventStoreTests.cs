using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Silo.Storage;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>The embedded event store on a real SQLite file in a temporary directory.</summary>
public sealed class SqliteEventStoreTests : IAsyncLifetime
{
    private static readonly long T0 = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "osr-store-" + Guid.NewGuid().ToString("N"));
    private SqliteEventStore _store = null!;

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ItemsAreUpsertedAndReadBack()
    {
        await _store.UpsertItemsAsync([new ItemRecord("drink-3", ItemKind.Product, "drinks", ["sports", "cold"]), new ItemRecord("prog-1", ItemKind.Program, "running", [])]);
        await _store.UpsertItemsAsync([new ItemRecord("drink-3", ItemKind.Product, "recovery", ["sports"])]);

        var items = await _store.ReadItemsAsync();

        items.Should().BeEquivalentTo([
            new ItemRecord("drink-3", ItemKind.Product, "recovery", ["sports"]),
            new ItemRecord("prog-1", ItemKind.Program, "running", []),
        ], o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task InteractionsAreReadByTimeWindowAndPerUserNewestFirst()
    {
        await _store.AppendInteractionsAsync([
            new InteractionRecord("u1", "a", InteractionAction.View, T0),
            new InteractionRecord("u1", "b", InteractionAction.Purchase, T0 + TimeSpan.TicksPerHour),
            new InteractionRecord("u2", "a", InteractionAction.Like, T0 + 2 * TimeSpan.TicksPerHour),
        ]);

        var window = new List<InteractionRecord>();
        await foreach (var r in _store.ReadInteractionsAsync(T0 + 1, T0 + 3 * TimeSpan.TicksPerHour)) window.Add(r);
        var u1 = await _store.ReadUserInteractionsAsync("u1", 10);

        window.Select(r => r.ItemId).Should().Equal("b", "a");
        u1.Select(r => (r.ItemId, r.Action)).Should().Equal(("b", InteractionAction.Purchase), ("a", InteractionAction.View));
        (await _store.CountAsync()).Should().Be(new Osr.Orleans.Grains.Storage.EventStoreCounts(0, 3, 2));
    }

    [Fact]
    public async Task ConcurrentAppendsAreAllStoredAndSurviveAReopen()
    {
        var writes = Enumerable.Range(0, 200).Select(i =>
            _store.AppendInteractionsAsync([new InteractionRecord($"u{i % 7}", $"item-{i}", InteractionAction.View, T0 + i)]));
        await Task.WhenAll(writes);

        await _store.DisposeAsync();
        _store = await OpenAsync();

        (await _store.CountAsync()).Interactions.Should().Be(200);
        var all = new List<InteractionRecord>();
        await foreach (var r in _store.ReadInteractionsAsync(0, long.MaxValue)) all.Add(r);
        all.Select(r => r.ItemId).Should().OnlyHaveUniqueItems().And.HaveCount(200);
    }

    [Fact]
    public async Task HostileTextIsStoredVerbatimNotExecuted()
    {
        const string hostile = "x'); DROP TABLE items; --";
        await _store.UpsertItemsAsync([new ItemRecord("i1", ItemKind.Post, hostile, [hostile])]);

        (await _store.ReadItemsAsync()).Single().Category.Should().Be(hostile);
    }

    private async Task<SqliteEventStore> OpenAsync()
    {
        var store = new SqliteEventStore(Microsoft.Extensions.Options.Options.Create(new DataOptions { Path = _directory }));
        await store.StartAsync(CancellationToken.None);
        return store;
    }
}
