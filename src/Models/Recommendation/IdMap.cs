namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Dense index map between external string ids (user or item ids) and indices 0…Count−1 in
/// first-seen order. Ordinal comparison. Not thread-safe for writers; concurrent readers are fine
/// once building is done.
/// </summary>
public sealed class IdMap
{
    private readonly Dictionary<string, int> _index;
    private readonly List<string> _ids;

    public IdMap()
    {
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        _ids = [];
    }

    /// <summary>A map holding <paramref name="ids"/> at indices 0…n−1; duplicates are rejected.</summary>
    public IdMap(IEnumerable<string> ids)
        : this()
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var id in ids)
        {
            ArgumentNullException.ThrowIfNull(id);
            if (!_index.TryAdd(id, _ids.Count))
            {
                throw new ArgumentException($"Duplicate id '{id}'.", nameof(ids));
            }

            _ids.Add(id);
        }
    }

    public int Count => _ids.Count;

    /// <summary>Ids in index order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>The id at <paramref name="index"/>.</summary>
    public string this[int index] => _ids[index];

    /// <summary>The index of <paramref name="id"/>, adding it at the end if new.</summary>
    public int GetOrAdd(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_index.TryGetValue(id, out var index))
        {
            return index;
        }

        index = _ids.Count;
        _index.Add(id, index);
        _ids.Add(id);
        return index;
    }

    public bool TryGetIndex(string id, out int index) => _index.TryGetValue(id, out index);

    /// <summary>The index of <paramref name="id"/>, or −1 if unknown.</summary>
    public int IndexOf(string id) => _index.TryGetValue(id, out var index) ? index : -1;
}
