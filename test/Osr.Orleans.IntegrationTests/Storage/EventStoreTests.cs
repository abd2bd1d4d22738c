using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary><see cref="IEventStore"/> (catalogue and interaction log), the same tests on SQLite and PostgreSQL.</summary>
public abstract class EventStoreTests<TBackend> : StoreSuite<TBackend> where TBackend : IStoreBackend, new()
{
    private static readonly long T0 = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    protected override string Prefix => "events";

    private IEventStore Store => Stores.Events;

    [Fact]
    public async Task ForgettingAUserDeletesItsInteractionsAndSegmentOnlyAndTwiceIsANoOp()
    {
        await Store.AppendInteractionsAsync([
            new InteractionRecord("u-gone", "drink-1", InteractionAction.Purchase, T0, "e-1"),
            new InteractionRecord("u-gone", "drink-2", InteractionAction.View, T0 + 1),
            new InteractionRecord("u-kept", "drink-1", InteractionAction.Purchase, T0 + 2, "e-1"),
        ]);
        await Store.UpsertUserSegmentAsync("u-gone", "runners");
        await Store.UpsertUserSegmentAsync("u-kept", "walkers");

        var first = await Store.ForgetUserAsync("u-gone");
        var second = await Store.ForgetUserAsync("u-gone");

        first.Should().Be(new UserRowsDeleted(2, 1));
        second.Should().Be(new UserRowsDeleted(0, 0));
        (await Store.ReadUserInteractionsAsync("u-gone", 10)).Should().BeEmpty();
        (await Store.ReadUserInteractionsAsync("u-kept", 10)).Should().ContainSingle();
        (await Store.ReadUserSegmentsAsync()).Should().Equal(new Dictionary<string, string> { ["u-kept"] = "walkers" });
        // The event id is free again: the user's next life starts clean.
        await Store.AppendInteractionsAsync([new InteractionRecord("u-gone", "drink-3", InteractionAction.View, T0 + 3, "e-1")]);
        (await Store.ReadUserInteractionsAsync("u-gone", 10)).Should().ContainSingle();
    }

    [Fact]
    public async Task PruningDeletesOnlyInteractionsOlderThanTheCutoff()
    {
        await Store.AppendInteractionsAsync([
            new InteractionRecord("u-1", "a", InteractionAction.View, T0 - 1),
            new InteractionRecord("u-2", "b", InteractionAction.View, T0 - 100),
            new InteractionRecord("u-1", "c", InteractionAction.View, T0),
            new InteractionRecord("u-2", "d", InteractionAction.View, T0 + 100),
        ]);

        (await Store.PruneInteractionsAsync(T0)).Should().Be(2);
        (await Store.PruneInteractionsAsync(T0)).Should().Be(0);

        var left = new List<InteractionRecord>();
        await foreach (var i in Store.ReadInteractionsAsync(0, long.MaxValue)) left.Add(i);
        left.Select(i => i.ItemId).Should().Equal("c", "d");
    }

    [Fact]
    public async Task ItemsAreUpsertedAndReadBack()
    {
        await Store.UpsertItemsAsync([new ItemRecord("drink-3", ItemKind.Product, "drinks", ["sports", "cold"]), new ItemRecord("prog-1", ItemKind.Program, "running", [])]);
        await Store.UpsertItemsAsync([new ItemRecord("drink-3", ItemKind.Product, "recovery", ["sports"])]);

        var items = await Store.ReadItemsAsync();

        items.Should().BeEquivalentTo([
            new ItemRecord("drink-3", ItemKind.Product, "recovery", ["sports"]),
            new ItemRecord("prog-1", ItemKind.Program, "running", []),
        ], o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task AnItemRepeatedInOneImportKeepsItsLastRow()
    {
        await Store.UpsertItemsAsync([
            new ItemRecord("a", ItemKind.Post, "first", []),
            new ItemRecord("b", ItemKind.Post, "b", []),
            new ItemRecord("a", ItemKind.Product, "last", ["x"]),
        ]);

        (await Store.ReadItemsAsync()).Should().BeEquivalentTo([
            new ItemRecord("a", ItemKind.Product, "last", ["x"]),
            new ItemRecord("b", ItemKind.Post, "b", []),
        ], o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task AnInteractionWithAnEventIdIsStoredOncePerUserHoweverOftenItComes()
    {
        // Twice in one batch, again in a later one (a device resending after a lost PUBACK), the same id for another user,
        // and two interactions without an id (each stored).
        await Store.AppendInteractionsAsync([
            new InteractionRecord("u1", "a", InteractionAction.View, T0, "e-1"),
            new InteractionRecord("u1", "a", InteractionAction.View, T0, "e-1"),
            new InteractionRecord("u1", "b", InteractionAction.Like, T0 + 1),
        ]);
        await Store.AppendInteractionsAsync([
            new InteractionRecord("u1", "a", InteractionAction.View, T0, "e-1"),
            new InteractionRecord("u2", "a", InteractionAction.View, T0 + 2, "e-1"),
            new InteractionRecord("u1", "b", InteractionAction.Like, T0 + 1),
        ]);

        var u1 = await Store.ReadUserInteractionsAsync("u1", 10);
        u1.Select(r => r.ItemId).Should().BeEquivalentTo(["a", "b", "b"]);
        (await Store.ReadUserInteractionsAsync("u2", 10)).Should().ContainSingle();
        (await Store.CountAsync()).Interactions.Should().Be(4);
    }

    [Fact]
    public async Task InteractionsAreReadByTimeWindowAndPerUserNewestFirst()
    {
        await Store.AppendInteractionsAsync([
            new InteractionRecord("u1", "a", InteractionAction.View, T0),
            new InteractionRecord("u1", "b", InteractionAction.Purchase, T0 + TimeSpan.TicksPerHour),
            new InteractionRecord("u2", "a", InteractionAction.Like, T0 + 2 * TimeSpan.TicksPerHour),
        ]);

        var window = new List<InteractionRecord>();
        await foreach (var r in Store.ReadInteractionsAsync(T0 + 1, T0 + 3 * TimeSpan.TicksPerHour)) window.Add(r);
        var u1 = await Store.ReadUserInteractionsAsync("u1", 10);

        window.Select(r => r.ItemId).Should().Equal("b", "a");
        u1.Select(r => (r.ItemId, r.Action)).Should().Equal(("b", InteractionAction.Purchase), ("a", InteractionAction.View));
        (await Store.CountAsync()).Should().Be(new EventStoreCounts(0, 3, 2));
    }

    [Fact]
    public async Task ConcurrentAppendsAreAllStoredAndSurviveAReopen()
    {
        var writes = Enumerable.Range(0, 200).Select(i =>
            Store.AppendInteractionsAsync([new InteractionRecord($"u{i % 7}", $"item-{i}", InteractionAction.View, T0 + i)]));
        await Task.WhenAll(writes);

        await ReopenAsync();

        (await Store.CountAsync()).Interactions.Should().Be(200);
        var all = new List<InteractionRecord>();
        await foreach (var r in Store.ReadInteractionsAsync(0, long.MaxValue)) all.Add(r);
        all.Select(r => r.ItemId).Should().OnlyHaveUniqueItems().And.HaveCount(200);
    }

    [Fact]
    public async Task HostileTextIsStoredVerbatimNotExecuted()
    {
        const string hostile = "x'); DROP TABLE items; --";
        await Store.UpsertItemsAsync([new ItemRecord("i1", ItemKind.Post, hostile, [hostile])]);

        (await Store.ReadItemsAsync()).Single().Category.Should().Be(hostile);
    }

    [Fact]
    public async Task UserSegmentsAreUpsertedAndEmptyOnesAreNotListed()
    {
        await Store.UpsertUserSegmentAsync("u1", "powerlifting");
        await Store.UpsertUserSegmentAsync("u2", null);
        await Store.UpsertUserSegmentAsync("u3", "");
        await Store.UpsertUserSegmentAsync("u1", "running");

        (await Store.ReadUserSegmentsAsync()).Should().BeEquivalentTo(new Dictionary<string, string> { ["u1"] = "running" });
    }
}

public sealed class SqliteEventStoreTests : EventStoreTests<SqliteBackend>;

public sealed class PostgreSqlEventStoreTests : EventStoreTests<PostgreSqlBackend>;
