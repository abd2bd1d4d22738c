using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Storage;

/// <summary>
/// <see cref="IEventStore"/> on an embedded SQLite database (WAL mode) in <c>Osr:Data:Path</c>.
/// Microsoft.Data.Sqlite is synchronous underneath, so no grain thread ever touches it: writes
/// go through a channel to one writer task that commits whatever is queued in a single
/// transaction (group commit) and then completes the callers' tasks; reads run on the thread
/// pool with their own connection.
/// </summary>
public sealed class SqliteEventStore : IEventStore, IHostedService, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly Channel<WriteRequest> _writes = Channel.CreateBounded<WriteRequest>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private Task? _writer;

    public SqliteEventStore(IOptions<DataOptions> options)
    {
        var directory = Path.GetFullPath(options.Value.Path);
        Directory.CreateDirectory(directory);
        DatabasePath = Path.Combine(directory, "events.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
    }

    public string DatabasePath { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        using (var connection = Open())
        {
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                CREATE TABLE IF NOT EXISTS items (
                    item_id  TEXT PRIMARY KEY NOT NULL,
                    kind     INTEGER NOT NULL,
                    category TEXT NOT NULL,
                    tags     TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS interactions (
                    id       INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id  TEXT NOT NULL,
                    item_id  TEXT NOT NULL,
                    action   INTEGER NOT NULL,
                    ts       INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS ix_interactions_ts ON interactions (ts);
                CREATE INDEX IF NOT EXISTS ix_interactions_user_ts ON interactions (user_id, ts);
                CREATE TABLE IF NOT EXISTS users (
                    user_id  TEXT PRIMARY KEY NOT NULL,
                    segment  TEXT NULL);
                """);
        }
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _writes.Writer.TryComplete();
        if (_writer is not null) await _writer.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        if (_writer is not null) await _writer;
        SqliteConnection.ClearAllPools();
    }

    public Task UpsertItemsAsync(IReadOnlyList<ItemRecord> items, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new WriteRequest(items, null, null), cancellationToken);

    public Task AppendInteractionsAsync(IReadOnlyList<InteractionRecord> interactions, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new WriteRequest(null, interactions, null), cancellationToken);

    public Task UpsertUserSegmentAsync(string userId, string? segment, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new WriteRequest(null, null, (userId, segment)), cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> ReadUserSegmentsAsync(CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyDictionary<string, string>>(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT user_id, segment FROM users WHERE segment IS NOT NULL AND segment <> ''";
            using var reader = command.ExecuteReader();
            var segments = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read()) segments[reader.GetString(0)] = reader.GetString(1);
            return segments;
        }, cancellationToken);

    public Task<IReadOnlyList<ItemRecord>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<ItemRecord>>(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT item_id, kind, category, tags FROM items ORDER BY item_id";
            using var reader = command.ExecuteReader();
            var items = new List<ItemRecord>();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tags = reader.GetString(3);
                items.Add(new ItemRecord(reader.GetString(0), (ItemKind)reader.GetInt32(1), reader.GetString(2),
                    tags.Length == 0 ? [] : tags.Split(';')));
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
            var batch = await Task.Run(() => ReadPage(fromUtcTicks, toUtcTicks, afterId, page), cancellationToken);
            foreach (var (id, record) in batch)
            {
                afterId = id;
                yield return record;
            }
            if (batch.Count < page) yield break;
        }
    }

    public Task<IReadOnlyList<InteractionRecord>> ReadUserInteractionsAsync(string userId, int max, CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<InteractionRecord>>(() =>
        {
            using var connection = Open();
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
        Task.Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM interactions), (SELECT COUNT(DISTINCT user_id) FROM interactions)";
            using var reader = command.ExecuteReader();
            reader.Read();
            return new EventStoreCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }, cancellationToken);

    private List<(long Id, InteractionRecord Record)> ReadPage(long from, long to, long afterId, int page)
    {
        // Keyset pagination by id within the time window; ids grow with insertion, and the
        // caller sorts by time where order matters (training does not depend on it).
        using var connection = Open();
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

    private async Task EnqueueAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        await _writes.Writer.WriteAsync(request, cancellationToken);
        await request.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var pending = new List<WriteRequest>();
        using var connection = Open();
        while (await _writes.Reader.WaitToReadAsync())
        {
            pending.Clear();
            while (pending.Count < 1000 && _writes.Reader.TryRead(out var request)) pending.Add(request);
            try
            {
                using var transaction = connection.BeginTransaction();
                foreach (var request in pending) Write(connection, transaction, request);
                transaction.Commit();
                foreach (var request in pending) request.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                // The batch is rolled back as a whole; retry each request alone so one bad
                // request cannot fail the others queued with it.
                foreach (var request in pending) RetryAlone(connection, request, ex);
            }
        }
    }

    private static void RetryAlone(SqliteConnection connection, WriteRequest request, Exception batchError)
    {
        try
        {
            using var transaction = connection.BeginTransaction();
            Write(connection, transaction, request);
            transaction.Commit();
            request.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            request.Done.TrySetException(new AggregateException("event store write failed", ex, batchError));
        }
    }

    private static void Write(SqliteConnection connection, SqliteTransaction transaction, WriteRequest request)
    {
        if (request.Items is { Count: > 0 } items)
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
                tags.Value = string.Join(';', item.Tags);
                command.ExecuteNonQuery();
            }
        }

        if (request.User is { } u)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO users (user_id, segment) VALUES ($u, $s) ON CONFLICT (user_id) DO UPDATE SET segment = excluded.segment";
            command.Parameters.AddWithValue("$u", u.UserId);
            command.Parameters.AddWithValue("$s", (object?)u.Segment ?? DBNull.Value);
            command.ExecuteNonQuery();
        }

        if (request.Interactions is { Count: > 0 } interactions)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO interactions (user_id, item_id, action, ts) VALUES ($u, $i, $a, $ts)";
            var user = command.Parameters.Add("$u", SqliteType.Text);
            var item = command.Parameters.Add("$i", SqliteType.Text);
            var action = command.Parameters.Add("$a", SqliteType.Integer);
            var ts = command.Parameters.Add("$ts", SqliteType.Integer);
            command.Prepare();
            foreach (var interaction in interactions)
            {
                user.Value = interaction.UserId;
                item.Value = interaction.ItemId;
                action.Value = (int)interaction.Action;
                ts.Value = interaction.TimestampUtcTicks;
                command.ExecuteNonQuery();
            }
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record WriteRequest(IReadOnlyList<ItemRecord>? Items, IReadOnlyList<InteractionRecord>? Interactions, (string UserId, string? Segment)? User)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
