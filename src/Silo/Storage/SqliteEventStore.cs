using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Storage;

/// <summary>
/// <see cref="IEventStore"/>, <see cref="IDecisionLog"/> and <see cref="IRuleStore"/> on an
/// embedded SQLite database (WAL mode) in <c>Osr:Data:Path</c>.
/// Microsoft.Data.Sqlite is synchronous underneath, so no grain thread ever touches it: writes
/// go through a channel to one writer task that commits whatever is queued in a single
/// transaction (group commit) and then completes the callers' tasks; reads run on the thread
/// pool with their own connection.
/// <para>Decisions keep their features as a BLOB of little-endian IEEE 754 doubles (NaN kept bit
/// for bit); REAL columns hold NaN as NULL (SQLite's own conversion) and read it back as NaN.
/// Decisions, feedback (per decision and action) and rule versions are inserted with
/// <c>INSERT OR IGNORE</c>: a repeated write is a no-op.</para>
/// </summary>
public sealed class SqliteEventStore : IEventStore, IDecisionLog, IRuleStore, IHostedService, IAsyncDisposable
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
                CREATE TABLE IF NOT EXISTS decisions (
                    decision_id        TEXT PRIMARY KEY NOT NULL,
                    user_id            TEXT NOT NULL,
                    item_id            TEXT NOT NULL,
                    category           TEXT NOT NULL,
                    label              TEXT NOT NULL,
                    features           BLOB NOT NULL,
                    decided_at         INTEGER NOT NULL,
                    state_at           INTEGER NOT NULL,
                    outcome            TEXT NOT NULL,
                    reason             TEXT NOT NULL,
                    affinity           REAL NULL,
                    propensity         REAL NULL,
                    raw                REAL NULL,
                    osr                REAL NULL,
                    threshold          REAL NULL,
                    send_probability   REAL NULL,
                    propensity_version TEXT NOT NULL,
                    als_version        TEXT NULL,
                    arm                TEXT NOT NULL,
                    segment            TEXT NULL) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS ix_decisions_outcome_decided ON decisions (outcome, decided_at, decision_id);
                CREATE INDEX IF NOT EXISTS ix_decisions_decided ON decisions (decided_at, decision_id);
                CREATE TABLE IF NOT EXISTS feedback (
                    decision_id TEXT NOT NULL,
                    user_id     TEXT NOT NULL,
                    action      INTEGER NOT NULL,
                    ts          INTEGER NOT NULL,
                    PRIMARY KEY (decision_id, action)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS rules (
                    version    INTEGER PRIMARY KEY NOT NULL,
                    json       TEXT NOT NULL,
                    changed_at INTEGER NOT NULL);
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

    public Task AppendDecisionAsync(DecisionRecord decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return EnqueueAsync(new WriteRequest(null, null, null) { Decision = decision }, cancellationToken);
    }

    public Task AppendFeedbackAsync(FeedbackRecord feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return EnqueueAsync(new WriteRequest(null, null, null) { Feedback = feedback }, cancellationToken);
    }

    public Task SaveRulesAsync(RuleSet rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var json = JsonSerializer.Serialize(StoredRuleSet.From(rules), StoredRulesJsonContext.Default.StoredRuleSet);
        return EnqueueAsync(new WriteRequest(null, null, null) { Rules = (rules.Version, json, rules.ChangedAt.UtcTicks) }, cancellationToken);
    }

    public Task<RuleSet?> ReadLatestRulesAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json FROM rules ORDER BY version DESC LIMIT 1";
            return command.ExecuteScalar() is string json
                ? JsonSerializer.Deserialize(json, StoredRulesJsonContext.Default.StoredRuleSet)?.ToRuleSet()
                : null;
        }, cancellationToken);

    public Task<DecisionRecord?> ReadDecisionAsync(string decisionId, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {DecisionColumns} FROM decisions WHERE decision_id = $id";
            command.Parameters.AddWithValue("$id", decisionId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadDecision(reader) : null;
        }, cancellationToken);

    public IAsyncEnumerable<DecisionWithFeedback> ReadSentDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default) =>
        ReadDecisionPagesAsync(fromUtcTicks, toUtcTicks, sentOnly: true, cancellationToken);

    public IAsyncEnumerable<DecisionWithFeedback> ReadDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default) =>
        ReadDecisionPagesAsync(fromUtcTicks, toUtcTicks, sentOnly: false, cancellationToken);

    private async IAsyncEnumerable<DecisionWithFeedback> ReadDecisionPagesAsync(long fromUtcTicks, long toUtcTicks, bool sentOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int page = 10_000;
        var after = (Ticks: long.MinValue, Id: "");
        while (true)
        {
            var batch = await Task.Run(() => ReadSentPage(fromUtcTicks, toUtcTicks, after, page, sentOnly), cancellationToken);
            foreach (var item in batch)
            {
                after = (item.Decision.DecidedUtcTicks, item.Decision.DecisionId);
                yield return item;
            }
            if (batch.Count < page) yield break;
        }
    }

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

    private const string DecisionColumns =
        "decision_id, user_id, item_id, category, label, features, decided_at, state_at, outcome, reason, affinity, propensity, " +
        "raw, osr, threshold, send_probability, propensity_version, als_version, arm, segment";

    private List<DecisionWithFeedback> ReadSentPage(long from, long to, (long Ticks, string Id) after, int page, bool sentOnly = true)
    {
        // Keyset pagination in time order: (decided_at, decision_id) strictly after the last row seen.
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {DecisionColumns},
                   (SELECT group_concat(f.action) FROM feedback f WHERE f.decision_id = decisions.decision_id)
            FROM decisions
            WHERE ($all = 1 OR outcome = $sent) AND decided_at >= $from AND decided_at < $to
              AND (decided_at > $afterTicks OR (decided_at = $afterTicks AND decision_id > $afterId))
            ORDER BY decided_at, decision_id LIMIT $n
            """;
        command.Parameters.AddWithValue("$sent", DecisionOutcomes.Sent);
        command.Parameters.AddWithValue("$all", sentOnly ? 0 : 1);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$afterTicks", after.Ticks);
        command.Parameters.AddWithValue("$afterId", after.Id);
        command.Parameters.AddWithValue("$n", page);
        using var reader = command.ExecuteReader();
        var result = new List<DecisionWithFeedback>();
        while (reader.Read())
        {
            var decision = ReadDecision(reader);
            FeedbackAction[] feedback = [];
            if (!reader.IsDBNull(20))
            {
                feedback = reader.GetString(20).Split(',').Select(a => (FeedbackAction)byte.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Array.Sort(feedback);
            }
            result.Add(new DecisionWithFeedback(decision, feedback));
        }
        return result;
    }

    private static DecisionRecord ReadDecision(SqliteDataReader reader) =>
        new(DecisionId: reader.GetString(0),
            UserId: reader.GetString(1),
            ItemId: reader.GetString(2),
            Category: reader.GetString(3),
            Label: reader.GetString(4),
            Features: DecodeFeatures((byte[])reader.GetValue(5)),
            DecidedUtcTicks: reader.GetInt64(6),
            StateUtcTicks: reader.GetInt64(7),
            Outcome: reader.GetString(8),
            Reason: reader.GetString(9),
            Affinity: ReadReal(reader, 10),
            Propensity: ReadReal(reader, 11),
            Raw: ReadReal(reader, 12),
            Osr: ReadReal(reader, 13),
            Threshold: ReadReal(reader, 14),
            SendProbability: ReadReal(reader, 15),
            PropensityVersion: reader.GetString(16),
            AlsVersion: reader.IsDBNull(17) ? null : reader.GetString(17),
            Arm: reader.GetString(18),
            Segment: reader.IsDBNull(19) ? null : reader.GetString(19));

    private static double ReadReal(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? double.NaN : reader.GetDouble(ordinal);

    private static object Real(double value) => double.IsNaN(value) ? DBNull.Value : value;

    /// <summary>Features as little-endian IEEE 754 doubles, 8 bytes each (NaN payloads kept).</summary>
    internal static byte[] EncodeFeatures(double[] features)
    {
        var bytes = new byte[features.Length * sizeof(double)];
        for (var i = 0; i < features.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), features[i]);
        return bytes;
    }

    internal static double[] DecodeFeatures(byte[] bytes)
    {
        var features = new double[bytes.Length / sizeof(double)];
        for (var i = 0; i < features.Length; i++) features[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)));
        return features;
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

        if (request.Decision is { } d)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT OR IGNORE INTO decisions ({DecisionColumns}) VALUES ($id, $user, $item, $category, $label, $features,
                    $decided, $state, $outcome, $reason, $affinity, $propensity, $raw, $osr, $threshold, $p, $pv, $av, $arm, $segment)
                """;
            var p = command.Parameters;
            p.AddWithValue("$id", d.DecisionId);
            p.AddWithValue("$user", d.UserId);
            p.AddWithValue("$item", d.ItemId);
            p.AddWithValue("$category", d.Category);
            p.AddWithValue("$label", d.Label);
            p.Add("$features", SqliteType.Blob).Value = EncodeFeatures(d.Features ?? []);
            p.AddWithValue("$decided", d.DecidedUtcTicks);
            p.AddWithValue("$state", d.StateUtcTicks);
            p.AddWithValue("$outcome", d.Outcome);
            p.AddWithValue("$reason", d.Reason);
            p.AddWithValue("$affinity", Real(d.Affinity));
            p.AddWithValue("$propensity", Real(d.Propensity));
            p.AddWithValue("$raw", Real(d.Raw));
            p.AddWithValue("$osr", Real(d.Osr));
            p.AddWithValue("$threshold", Real(d.Threshold));
            p.AddWithValue("$p", Real(d.SendProbability));
            p.AddWithValue("$pv", d.PropensityVersion);
            p.AddWithValue("$av", (object?)d.AlsVersion ?? DBNull.Value);
            p.AddWithValue("$arm", d.Arm);
            p.AddWithValue("$segment", (object?)d.Segment ?? DBNull.Value);
            command.ExecuteNonQuery();
        }

        if (request.Feedback is { } f)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO feedback (decision_id, user_id, action, ts) VALUES ($id, $user, $action, $ts)";
            command.Parameters.AddWithValue("$id", f.DecisionId);
            command.Parameters.AddWithValue("$user", f.UserId);
            command.Parameters.AddWithValue("$action", (int)f.Action);
            command.Parameters.AddWithValue("$ts", f.TimestampUtcTicks);
            command.ExecuteNonQuery();
        }

        if (request.Rules is { } r)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO rules (version, json, changed_at) VALUES ($v, $json, $at)";
            command.Parameters.AddWithValue("$v", r.Version);
            command.Parameters.AddWithValue("$json", r.Json);
            command.Parameters.AddWithValue("$at", r.ChangedAtUtcTicks);
            command.ExecuteNonQuery();
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
        public DecisionRecord? Decision { get; init; }

        public FeedbackRecord? Feedback { get; init; }

        public (long Version, string Json, long ChangedAtUtcTicks)? Rules { get; init; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// The stored form of a <see cref="RuleSet"/> (table <c>rules</c>, column <c>json</c>): flat and
/// explicit, so that the file format does not follow the model's computed members.
/// </summary>
internal sealed record StoredRuleSet(long Version, DateTimeOffset ChangedAt, StoredRuleEntry[] Entries)
{
    public static StoredRuleSet From(RuleSet rules) => new(rules.Version, rules.ChangedAt,
        (rules.Entries ?? []).Select(e => new StoredRuleEntry(e.Key, e.Scope.Kind, e.Scope.User, e.Scope.Item, e.Scope.Category, e.Scope.Segment, e.Value)).ToArray());

    public RuleSet ToRuleSet() => new(Version,
        (Entries ?? []).Select(e => new RuleEntry(e.Key, new RuleScope(e.Kind, e.User, e.Item, e.Category, e.Segment), e.Value)).ToArray(),
        ChangedAt);
}

internal sealed record StoredRuleEntry(string Key, RuleScopeKind Kind, string? User, string? Item, string? Category, string? Segment, string Value);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredRuleSet))]
internal sealed partial class StoredRulesJsonContext : JsonSerializerContext;
