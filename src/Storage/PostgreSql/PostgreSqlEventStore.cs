using System.Runtime.CompilerServices;
using Npgsql;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Catalog;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>
/// <see cref="IEventStore"/> on PostgreSQL (tables <c>osr_items</c>, <c>osr_interactions</c>,
/// <c>osr_users</c>). A write of many rows is one statement over arrays (<c>unnest</c>); writes
/// arriving together are group-committed by the <see cref="PostgreSqlDatabase"/>.
/// </summary>
public sealed class PostgreSqlEventStore(PostgreSqlDatabase database) : IEventStore
{
    public PostgreSqlDatabase Database { get; } = database;

    public Task UpsertItemsAsync(IReadOnlyList<ItemRecord> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) return Task.CompletedTask;
        // One statement may not update a row twice: the last of repeated ids wins, as it would row by row.
        var last = new Dictionary<string, ItemRecord>(StringComparer.Ordinal);
        foreach (var item in items) last[item.ItemId] = item;
        var ids = last.Keys.ToArray();
        var kinds = last.Values.Select(i => (short)i.Kind).ToArray();
        var categories = last.Values.Select(i => i.Category).ToArray();
        var tags = last.Values.Select(i => StoredFormats.EncodeTags(i.Tags)).ToArray();
        return Database.WriteAsync(batch => batch.Add(Command("""
            INSERT INTO osr_items (item_id, kind, category, tags)
            SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[])
            ON CONFLICT (item_id) DO UPDATE SET kind = excluded.kind, category = excluded.category, tags = excluded.tags
            """, P(ids), P(kinds), P(categories), P(tags))), cancellationToken);
    }

    public Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        return interactions.Count == 0 ? Task.CompletedTask : Database.WriteRowsAsync(InsertInteractions, interactions, cancellationToken);
    }

    /// <summary>Every interaction queued together (from one call or many) is one statement over arrays.</summary>
    private static readonly MergedInsert<InteractionRecord> InsertInteractions = new(rows =>
    {
        var users = new string[rows.Count];
        var items = new string[rows.Count];
        var actions = new short[rows.Count];
        var ts = new long[rows.Count];
        var eventIds = new string?[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            users[i] = rows[i].UserId;
            items[i] = rows[i].ItemId;
            actions[i] = (short)rows[i].Action;
            ts[i] = rows[i].TimestampUtcTicks;
            eventIds[i] = rows[i].EventId;
        }
        // An interaction with an event id is stored once per user and id (ux_osr_interactions_event), also when a
        // retried batch or two copies in one batch carry it again.
        return Command("""
            INSERT INTO osr_interactions (user_id, item_id, action, ts, event_id)
            SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::bigint[], $5::text[])
            ON CONFLICT (user_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
            """, P(users), P(items), P(actions), P(ts), P(eventIds));
    });

    public Task UpsertUserSegmentAsync(string userId, string? segment, CancellationToken cancellationToken = default) =>
        Database.WriteAsync(batch => batch.Add(Command(
            "INSERT INTO osr_users (user_id, segment) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET segment = excluded.segment",
            P(userId), Text(segment))), cancellationToken);

    public async Task<IReadOnlyDictionary<string, string>> ReadUserSegmentsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT user_id, segment FROM osr_users WHERE segment IS NOT NULL AND segment <> ''");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var segments = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) segments[reader.GetString(0)] = reader.GetString(1);
        return segments;
    }

    public async Task<IReadOnlyList<ItemRecord>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT item_id, kind, category, tags FROM osr_items ORDER BY item_id COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<ItemRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            items.Add(new ItemRecord(reader.GetString(0), (ItemKind)reader.GetInt16(1), reader.GetString(2), StoredFormats.DecodeTags(reader.GetString(3))));
        return items;
    }

    public async IAsyncEnumerable<InteractionRecord> ReadInteractionsAsync(long fromUtcTicks, long toUtcTicks,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Keyset pagination by id within the time window (as on SQLite), one short query per page.
        const int page = 50_000;
        long afterId = 0;
        while (true)
        {
            var count = 0;
            await using (var connection = await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await using (var command = Command(connection, """
                SELECT id, user_id, item_id, action, ts FROM osr_interactions
                WHERE ts >= $1 AND ts < $2 AND id > $3 ORDER BY id LIMIT $4
                """, P(fromUtcTicks), P(toUtcTicks), P(afterId), P(page)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    count++;
                    afterId = reader.GetInt64(0);
                    yield return new InteractionRecord(reader.GetString(1), reader.GetString(2), (InteractionAction)reader.GetInt16(3), reader.GetInt64(4));
                }
            }
            if (count < page) yield break;
        }
    }

    public async Task<IReadOnlyList<InteractionRecord>> ReadUserInteractionsAsync(string userId, int max, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand(
            "SELECT user_id, item_id, action, ts FROM osr_interactions WHERE user_id = $1 ORDER BY ts DESC, id DESC LIMIT $2");
        command.Parameters.Add(P(userId));
        command.Parameters.Add(P(max));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<InteractionRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            list.Add(new InteractionRecord(reader.GetString(0), reader.GetString(1), (InteractionAction)reader.GetInt16(2), reader.GetInt64(3)));
        return list;
    }

    public async Task<EventStoreCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand(
            "SELECT (SELECT COUNT(*) FROM osr_items), (SELECT COUNT(*) FROM osr_interactions), (SELECT COUNT(DISTINCT user_id) FROM osr_interactions)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new EventStoreCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public async Task<UserRowsDeleted> ForgetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var affected = await Database.WriteAsync(batch =>
        {
            batch.Add(Command("DELETE FROM osr_interactions WHERE user_id = $1", P(userId)));
            batch.Add(Command("DELETE FROM osr_users WHERE user_id = $1", P(userId)));
        }, cancellationToken).ConfigureAwait(false);
        return new UserRowsDeleted(affected[0], affected[1]);
    }

    /// <summary>On its own connection (not the group commit): a large delete must not hold up the writes queued behind it.</summary>
    public async Task<long> PruneInteractionsAsync(long cutoffUtcTicks, CancellationToken cancellationToken = default) =>
        (await Database.ExecuteOwnAsync([Command("DELETE FROM osr_interactions WHERE ts < $1", P(cutoffUtcTicks))], cancellationToken)
            .ConfigureAwait(false))[0];
}
