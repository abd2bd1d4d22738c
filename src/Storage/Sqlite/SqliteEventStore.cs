using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary>
/// <see cref="IEventStore"/> on the embedded <c>events.db</c> (tables <c>items</c>,
/// <c>interactions</c>, <c>users</c>): writes are group-committed by the
/// <see cref="SqliteDatabase"/>, reads run on the thread pool.
/// </summary>
public sealed class SqliteEventStore(SqliteDatabase database) : IEventStore
{
    public SqliteDatabase Database { get; } = database;

    public Task UpsertItemsAsync(IReadOnlyList<ItemRecord> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) return Task.CompletedTask;
        return Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO items (item_id, kind, category, tags) VALUES ($id, $kind, $category, $tags) " +
                                  "ON CONFLICT (item_id) DO UPDATE SET kind = excluded.kind, category = excluded.category, tags = excluded.tags";
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var kind = command.Parameters.Add("$kind", SqliteType.Integer);
            var category = command.Parameters.Add("$category", SqliteType.Text);
            var tags = command.Parameters.Add("$tags", SqliteType.Text);
            command.Prepare();
            foreach (var item in items)
            {
                id.Value = item.ItemId;
                kind.Value = (int)item.Kind;
                category.Value = item.Category;
                tags.Value = StoredFormats.EncodeTags(item.Tags);
                command.ExecuteNonQuery();
            }
            return true;
        }, cancellationToken);
    }

    public Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        if (interactions.Count == 0) return Task.CompletedTask;
        return Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            // An interaction with an event id is stored once per user and id (ux_interactions_event).
            command.CommandText = "INSERT INTO interactions (user_id, item_id, action, ts, event_id) VALUES ($u, $i, $a, $ts, $e) ON CONFLICT DO NOTHING";
            var user = command.Parameters.Add("$u", SqliteType.Text);
            var item = command.Parameters.Add("$i", SqliteType.Text);
            var action = command.Parameters.Add("$a", SqliteType.Integer);
            var ts = command.Parameters.Add("$ts", SqliteType.Integer);
            var eventId = command.Parameters.Add("$e", SqliteType.Text);
            command.Prepare();
            foreach (var interaction in interactions)
            {
                user.Value = interaction.UserId;
                item.Value = interaction.ItemId;
                action.Value = (int)interaction.Action;
                ts.Value = interaction.TimestampUtcTicks;
                eventId.Value = (object?)interaction.EventId ?? DBNull.Value;
                command.ExecuteNonQuery();
            }
            return true;
        }, cancellationToken);
    }

    public Task UpsertUserSegmentAsync(string userId, string? segment, CancellationToken cancellationToken = default) =>
        Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO users (user_id, segment) VALUES ($u, $s) ON CONFLICT (user_id) DO UPDATE SET segment = excluded.segment";
            command.Parameters.AddWithValue("$u", userId);
            command.Parameters.AddWithValue("$s", (object?)segment ?? DBNull.Value);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> ReadUserSegmentsAsync(CancellationToken cancellationToken = default) =>
        Database.ReadAsync<IReadOnlyDictionary<string, string>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT user_id, segment FROM users WHERE segment IS NOT NULL AND segment <> ''";
            using var reader = command.ExecuteReader();
            var segments = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read()) segments[reader.GetString(0)] = reader.GetString(1);
            return segments;
        }, cancellationToken);

    public Task<IReadOnlyList<ItemRecord>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
        Database.ReadAsync<IReadOnlyList<ItemRecord>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT item_id, kind, category, tags FROM items ORDER BY item_id";
            using var reader = command.ExecuteReader();
            var items = new List<ItemRecord>();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                items.Add(new ItemRecord(reader.GetString(0), (ItemKind)reader.GetInt32(1), reader.GetString(2),
                    StoredFormats.DecodeTags(reader.GetString(3))));
            }
            return items;
        }, cancellationToken);

    public async IAsyncEnumerable<InteractionRecord> ReadInteractionsAsync(long fromUtcTicks, long toUtcTicks,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int page = 50_000;
        long afterId = 0;
        while (true)
        {
            var batch = await Database.ReadAsync(c => ReadPage(c, fromUtcTicks, toUtcTicks, afterId, page), cancellationToken).ConfigureAwait(false);
            foreach (var (id, record) in batch)
            {
                afterId = id;
                yield return record;
            }
            if (batch.Count < page) yield break;
        }
    }

    public Task<IReadOnlyList<InteractionRecord>> ReadUserInteractionsAsync(string userId, int max, CancellationToken cancellationToken = default) =>
        Database.ReadAsync<IReadOnlyList<InteractionRecord>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT user_id, item_id, action, ts FROM interactions WHERE user_id = $u ORDER BY ts DESC, id DESC LIMIT $n";
            command.Parameters.AddWithValue("$u", userId);
            command.Parameters.AddWithValue("$n", max);
            using var reader = command.ExecuteReader();
            var list = new List<InteractionRecord>();
            while (reader.Read()) list.Add(ReadInteraction(reader, 0));
            return list;
        }, cancellationToken);

    public Task<EventStoreCounts> CountAsync(CancellationToken cancellationToken = default) =>
        Database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM interactions), (SELECT COUNT(DISTINCT user_id) FROM interactions)";
            using var reader = command.ExecuteReader();
            reader.Read();
            return new EventStoreCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }, cancellationToken);

    private static List<(long Id, InteractionRecord Record)> ReadPage(SqliteConnection connection, long from, long to, long afterId, int page)
    {
        // Keyset pagination by id within the time window; ids grow with insertion, and the
        // caller sorts by time where order matters (training does not depend on it).
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, user_id, item_id, action, ts FROM interactions
            WHERE ts >= $from AND ts < $to AND id > $after ORDER BY id LIMIT $n
            """;
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$after", afterId);
        command.Parameters.AddWithValue("$n", page);
        using var reader = command.ExecuteReader();
        var result = new List<(long, InteractionRecord)>(page);
        while (reader.Read()) result.Add((reader.GetInt64(0), ReadInteraction(reader, 1)));
        return result;
    }

    private static InteractionRecord ReadInteraction(SqliteDataReader reader, int offset) =>
        new(reader.GetString(offset), reader.GetString(offset + 1), (InteractionAction)reader.GetInt32(offset + 2), reader.GetInt64(offset + 3));

    public async Task<UserRowsDeleted> ForgetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var changed = await Database.ExecuteAsync(
            ["DELETE FROM interactions WHERE user_id = $u", "DELETE FROM users WHERE user_id = $u"], [("$u", userId)], cancellationToken)
            .ConfigureAwait(false);
        return new UserRowsDeleted(changed[0], changed[1]);
    }

    public async Task<long> PruneInteractionsAsync(long cutoffUtcTicks, CancellationToken cancellationToken = default) =>
        (await Database.ExecuteAsync(["DELETE FROM interactions WHERE ts < $cutoff"], [("$cutoff", cutoffUtcTicks)], cancellationToken)
            .ConfigureAwait(false))[0];
}
