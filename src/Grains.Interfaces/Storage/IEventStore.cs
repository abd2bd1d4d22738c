using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Grains.Storage;

/// <summary>
/// The catalogue and the interaction log: what ALS trains on. One interface so that the
/// embedded mode (SQLite on local disk) and the cluster mode (PostgreSQL) are interchangeable.
/// Writes complete only when durable (an acknowledged event is stored); implementations must
/// never block the calling thread (grains call this).
/// </summary>
public interface IEventStore
{
    /// <summary>Inserts or replaces items, all in one transaction.</summary>
    Task UpsertItemsAsync(IReadOnlyList<ItemRecord> items, CancellationToken cancellationToken = default);

    /// <summary>Appends interactions, all in one transaction.</summary>
    Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ItemRecord>> ReadItemsAsync(CancellationToken cancellationToken = default);

    /// <summary>Interactions with <paramref name="fromUtcTicks"/> ≤ ts &lt; <paramref name="toUtcTicks"/>, in time order.</summary>
    IAsyncEnumerable<InteractionRecord> ReadInteractionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default);

    /// <summary>The most recent interactions of one user, newest first.</summary>
    Task<IReadOnlyList<InteractionRecord>> ReadUserInteractionsAsync(string userId, int max, CancellationToken cancellationToken = default);

    Task<EventStoreCounts> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Records a user's segment (for segment popularity at cold start).</summary>
    Task UpsertUserSegmentAsync(string userId, string? segment, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<string, string>> ReadUserSegmentsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every row of <paramref name="userId"/> (interactions and the segment), in one
    /// transaction; returns the interactions deleted. Deleting a user with no rows is a no-op.
    /// </summary>
    Task<UserRowsDeleted> ForgetUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the interactions with ts &lt; <paramref name="cutoffUtcTicks"/>; returns how many.</summary>
    Task<long> PruneInteractionsAsync(long cutoffUtcTicks, CancellationToken cancellationToken = default);
}

/// <summary>What one store deleted of one user: its main rows (interactions; decisions) and the rows beside them (segment; feedback).</summary>
public readonly record struct UserRowsDeleted(long Rows, long Related);

public readonly record struct EventStoreCounts(long Items, long Interactions, long Users);
