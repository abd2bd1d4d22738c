using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="ICatalogGrain"/>
/// <remarks>Validation is repeated here (the console validates first with line numbers) so
/// that no caller can store an invalid id; a bad record refuses the whole call.</remarks>
public sealed class CatalogGrain(IEventStore store) : Grain, ICatalogGrain
{
    public async ValueTask<int> ImportItemsAsync(ItemRecord[] items)
    {
        foreach (var item in items)
        {
            if (!Ids.IsValid(item.ItemId)) throw new ArgumentException(Ids.InvalidMessage("item", item.ItemId), nameof(items));
            if (string.IsNullOrWhiteSpace(item.Category) || item.Category.Length > 64)
                throw new ArgumentException($"item '{item.ItemId}': category must be 1–64 characters", nameof(items));
        }
        await store.UpsertItemsAsync(items);
        return items.Length;
    }

    public async ValueTask<int> ImportInteractionsAsync(InteractionRecord[] interactions)
    {
        foreach (var i in interactions)
        {
            if (!Ids.IsValid(i.UserId)) throw new ArgumentException(Ids.InvalidMessage("user", i.UserId), nameof(interactions));
            if (!Ids.IsValid(i.ItemId)) throw new ArgumentException(Ids.InvalidMessage("item", i.ItemId), nameof(interactions));
            if (!Enum.IsDefined(i.Action)) throw new ArgumentException($"unknown action {i.Action}", nameof(interactions));
        }
        await store.AppendInteractionsAsync(interactions);
        return interactions.Length;
    }

    public async ValueTask<CatalogCounts> GetCountsAsync()
    {
        var c = await store.CountAsync();
        return new CatalogCounts(c.Items, c.Interactions, c.Users);
    }
}
