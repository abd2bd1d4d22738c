using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Imports into the catalogue and the interaction log (key <see cref="GrainKeys.Global"/>).
/// Each call is one transaction: all of it is stored, or nothing.
/// </summary>
[Alias("osr.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    [Alias("ImportItems")]
    ValueTask<int> ImportItemsAsync(ItemRecord[] items);

    [Alias("ImportInteractions")]
    ValueTask<int> ImportInteractionsAsync(InteractionRecord[] interactions);

    [Alias("GetCounts")]
    ValueTask<CatalogCounts> GetCountsAsync();
}

[GenerateSerializer, Immutable, Alias("osr.catalog-counts")]
public readonly record struct CatalogCounts(
    [property: Id(0)] long Items,
    [property: Id(1)] long Interactions,
    [property: Id(2)] long Users);
