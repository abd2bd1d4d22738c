namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// A trained ALS model as stored by <see cref="ModelStore"/>: manifest, factors, the ids behind
/// the user and item indices, each item's category ("" if none) and training popularity
/// pop(i) (distinct users), and optionally per-segment popularity rankings for cold start.
/// </summary>
public sealed class AlsModel
{
    public AlsModel(
        ModelManifest manifest,
        AlsFactors factors,
        IdMap users,
        IdMap items,
        string[] itemCategories,
        int[] itemPopularity,
        IReadOnlyDictionary<string, int[]>? segmentPopularity = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(itemCategories);
        ArgumentNullException.ThrowIfNull(itemPopularity);
        if (users.Count != factors.Users || items.Count != factors.Items)
        {
            throw new ArgumentException($"Id maps ({users.Count} users, {items.Count} items) do not match the factors ({factors.Users}, {factors.Items}).");
        }

        if (itemCategories.Length != items.Count || itemPopularity.Length != items.Count)
        {
            throw new ArgumentException("Item categories and popularity must have one entry per item.");
        }

        Manifest = manifest;
        Factors = factors;
        Users = users;
        Items = items;
        ItemCategories = itemCategories;
        ItemPopularity = itemPopularity;
        SegmentPopularity = segmentPopularity ?? new Dictionary<string, int[]>(StringComparer.Ordinal);
        var categories = new IdMap();
        var index = new int[itemCategories.Length];
        for (var i = 0; i < index.Length; i++)
        {
            index[i] = itemCategories[i].Length == 0 ? -1 : categories.GetOrAdd(itemCategories[i]);
        }

        Categories = categories;
        ItemCategoryIndex = index;
    }

    public ModelManifest Manifest { get; }

    public AlsFactors Factors { get; }

    public IdMap Users { get; }

    public IdMap Items { get; }

    /// <summary>Category per item index; "" for none.</summary>
    public string[] ItemCategories { get; }

    /// <summary>Distinct categories; <see cref="ItemCategoryIndex"/> indexes into it.</summary>
    public IdMap Categories { get; }

    /// <summary>Category index per item (−1 for none): the filter array for <see cref="TopN.Select"/>.</summary>
    public int[] ItemCategoryIndex { get; }

    /// <summary>pop(i): distinct training users per item.</summary>
    public int[] ItemPopularity { get; }

    /// <summary>Segment → item indices by popularity within the segment (may be empty).</summary>
    public IReadOnlyDictionary<string, int[]> SegmentPopularity { get; }
}
