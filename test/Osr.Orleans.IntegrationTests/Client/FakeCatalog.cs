using Orleans.Runtime;
using Osr.Orleans.Client.Cluster;
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

/// <summary>A cluster connection whose grain factory knows only the catalogue grain (key <see cref="GrainKeys.Global"/>).</summary>
internal sealed class FakeCatalogConnection(FakeCatalogGrain catalog) : IClusterConnection, IGrainFactory
{
    public FakeCatalogGrain Catalog { get; } = catalog;

    public IGrainFactory Grains => this;

    public int Disposed { get; private set; }

    public ValueTask DisposeAsync()
    {
        Disposed++;
        return ValueTask.CompletedTask;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null)
        where TGrainInterface : IGrainWithStringKey
    {
        if (typeof(TGrainInterface) != typeof(ICatalogGrain) || primaryKey != GrainKeys.Global)
            throw new NotSupportedException($"the fake cluster has no {typeof(TGrainInterface).Name}/{primaryKey}");
        return (TGrainInterface)(object)Catalog;
    }

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidKey => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerKey => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidCompoundKey => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerCompoundKey => throw Unsupported();

    public TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver => throw Unsupported();

    public void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, string grainPrimaryKey) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey, string keyExtension) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey, string keyExtension) => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IAddressable => throw Unsupported();

    public IAddressable GetGrain(GrainId grainId) => throw Unsupported();

    public IAddressable GetGrain(GrainId grainId, GrainInterfaceType interfaceType) => throw Unsupported();

    public IAddressable GetGrain(Type interfaceType, IdSpan grainKey, string grainClassNamePrefix) => throw Unsupported();

    public IAddressable GetGrain(Type interfaceType, IdSpan grainKey) => throw Unsupported();

    private static NotSupportedException Unsupported() => new("the fake cluster only serves ICatalogGrain");
}
