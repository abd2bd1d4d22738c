using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.IntegrationTests.Client;

/// <summary>An in-memory <see cref="ICatalogGrain"/> that records each call and can fail chosen interaction calls.</summary>
internal sealed class FakeCatalogGrain : ICatalogGrain
{
    public List<ItemRecord[]> ItemCalls { get; } = [];

    /// <summary>Every interaction call, including failed ones.</summary>
    public List<InteractionRecord[]> InteractionCalls { get; } = [];

    /// <summary>Rows of the calls that succeeded (what a real catalogue would now hold).</summary>
    public List<InteractionRecord> Stored { get; } = [];

    /// <summary>Given the 0-based call number, the exception that call throws (null: it succeeds).</summary>
    public Func<int, Exception?> FailInteractionCall { get; set; } = _ => null;

    public ValueTask<int> ImportItemsAsync(ItemRecord[] items)
    {
        ItemCalls.Add(items);
        return ValueTask.FromResult(items.Length);
    }

    public ValueTask<int> ImportInteractionsAsync(InteractionRecord[] interactions)
    {
        var call = InteractionCalls.Count;
        InteractionCalls.Add(interactions);
        if (FailInteractionCall(call) is { } failure) return ValueTask.FromException<int>(failure);
        Stored.AddRange(interactions);
        return ValueTask.FromResult(interactions.Length);
    }

    public ValueTask<CatalogCounts> GetCountsAsync() => ValueTask.FromResult(new CatalogCounts(ItemCalls.Sum(c => c.Length), Stored.Count, Stored.Select(s => s.UserId).Distinct().Count()));
}

/// <summary>A fake cluster serving one <see cref="FakeCatalogGrain"/> under <see cref="GrainKeys.Global"/>.</summary>
internal sealed class FakeCatalogConnection
{
    public FakeCatalogConnection(FakeCatalogGrain catalog)
    {
        Catalog = catalog;
        Cluster = new FakeClusterConnection().Add<ICatalogGrain>(GrainKeys.Global, catalog);
    }

    public FakeCatalogGrain Catalog { get; }

    public FakeClusterConnection Cluster { get; }

    public int Disposed => Cluster.Disposed;
}
