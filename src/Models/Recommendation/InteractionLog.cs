namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Builder of training input from external ids: maps user and item ids to dense indices
/// (<see cref="IdMap"/>, first-seen order) and collects <see cref="Interaction"/>s. Not thread-safe.
/// </summary>
public sealed class InteractionLog
{
    private readonly List<Interaction> _interactions = [];

    public IdMap Users { get; } = new();

    public IdMap Items { get; } = new();

    public int Count => _interactions.Count;

    public ReadOnlySpan<Interaction> Interactions => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_interactions);

    /// <summary>Adds one event with weight w ≥ 0 at <paramref name="timestamp"/>.</summary>
    public void Add(string userId, string itemId, float weight, DateTimeOffset timestamp)
    {
        if (!(weight >= 0f) || float.IsPositiveInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "Weight must be finite and ≥ 0.");
        }

        _interactions.Add(new Interaction(Users.GetOrAdd(userId), Items.GetOrAdd(itemId), weight, timestamp.ToUnixTimeMilliseconds()));
    }

    /// <summary>Registers an item without events (so it gets an index and, after training, the zero factor).</summary>
    public int AddItem(string itemId) => Items.GetOrAdd(itemId);

    /// <summary>W over all events (duplicates summed).</summary>
    public InteractionMatrix ToMatrix() => InteractionMatrix.FromInteractions(Users.Count, Items.Count, Interactions);
}
