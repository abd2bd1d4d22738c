using Microsoft.Data.Sqlite;
using Osr.Orleans.Grains.Storage;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary>
/// <see cref="IOutboxStore"/> on the embedded <c>outbox.db</c> (tables <c>outbox</c> and
/// <c>published</c>, <c>INSERT OR IGNORE</c>). Every change goes through the database's one
/// writer (group commit), reads run on the thread pool.
/// </summary>
public sealed class SqliteOutboxStore(SqliteDatabase database, bool ownsDatabase = false) : IOutboxStore, IAsyncDisposable
{
    public SqliteDatabase Database { get; } = database;

    /// <summary>Closes the database when this store owns it.</summary>
    public ValueTask DisposeAsync() => ownsDatabase ? Database.DisposeAsync() : ValueTask.CompletedTask;

    public string Location => Database.Path;

    public Task<OutboxEnqueueResult> EnqueueAsync(OutboxEnqueue request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Database.WriteAsync((connection, transaction) =>
        {
            var queued = 0;
            if (request.Urls.Length > 0)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT OR IGNORE INTO outbox (notification_id, url, body, deliver_by, next_attempt, attempts, state, created)
                    VALUES ($id, $url, $body, $by, $now, 0, 0, $now)
                    """;
                command.Parameters.AddWithValue("$id", request.NotificationId);
                var url = command.Parameters.Add("$url", SqliteType.Text);
                command.Parameters.AddWithValue("$body", request.Body);
                command.Parameters.AddWithValue("$by", request.DeliverByUtcTicks);
                command.Parameters.AddWithValue("$now", request.NowUtcTicks);
                foreach (var u in request.Urls)
                {
                    url.Value = u;
                    queued += command.ExecuteNonQuery();
                }
            }

            var mqttFirst = false;
            if (request.Mqtt)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "INSERT OR IGNORE INTO published (notification_id, at) VALUES ($id, $now)";
                command.Parameters.AddWithValue("$id", request.NotificationId);
                command.Parameters.AddWithValue("$now", request.NowUtcTicks);
                mqttFirst = command.ExecuteNonQuery() == 1;
            }
            return new OutboxEnqueueResult(queued, mqttFirst);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OutboxExpiredEntry>> ExpireDueAsync(long nowUtcTicks, CancellationToken cancellationToken = default) =>
        Database.WriteAsync<IReadOnlyList<OutboxExpiredEntry>>((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE outbox SET state = 3, finished = $now
                WHERE state = 0 AND deliver_by <= $now
                RETURNING notification_id, url, deliver_by, attempts
                """;
            command.Parameters.AddWithValue("$now", nowUtcTicks);
            using var reader = command.ExecuteReader();
            var expired = new List<OutboxExpiredEntry>();
            while (reader.Read()) expired.Add(new OutboxExpiredEntry(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3)));
            return expired;
        }, cancellationToken);

    public Task<IReadOnlyList<OutboxDueEntry>> ClaimDueAsync(long nowUtcTicks, long leaseUntilUtcTicks, int max,
        CancellationToken cancellationToken = default) =>
        Database.WriteAsync<IReadOnlyList<OutboxDueEntry>>((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE outbox SET next_attempt = $lease
                WHERE state = 0 AND (notification_id, url) IN (
                    SELECT notification_id, url FROM outbox WHERE state = 0 AND next_attempt <= $now ORDER BY next_attempt LIMIT $n)
                RETURNING notification_id, url, body, deliver_by, attempts
                """;
            command.Parameters.AddWithValue("$now", nowUtcTicks);
            command.Parameters.AddWithValue("$lease", leaseUntilUtcTicks);
            command.Parameters.AddWithValue("$n", max);
            using var reader = command.ExecuteReader();
            var due = new List<OutboxDueEntry>();
            while (reader.Read())
                due.Add(new OutboxDueEntry(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.GetInt64(3), reader.GetInt32(4)));
            return due;
        }, cancellationToken);

    public Task RecordAsync(IReadOnlyList<OutboxOutcome> outcomes, long nowUtcTicks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0) return Task.CompletedTask;
        return Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE outbox SET state = $state, attempts = $attempts, next_attempt = $next, finished = $finished,
                    last_status = $status, last_error = $error
                WHERE notification_id = $id AND url = $url AND state = 0
                """;
            var state = command.Parameters.Add("$state", SqliteType.Integer);
            var attempts = command.Parameters.Add("$attempts", SqliteType.Integer);
            var next = command.Parameters.Add("$next", SqliteType.Integer);
            var finished = command.Parameters.Add("$finished", SqliteType.Integer);
            var status = command.Parameters.Add("$status", SqliteType.Integer);
            var error = command.Parameters.Add("$error", SqliteType.Text);
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var url = command.Parameters.Add("$url", SqliteType.Text);
            command.Prepare();
            foreach (var o in outcomes)
            {
                id.Value = o.NotificationId;
                url.Value = o.Url;
                state.Value = (int)o.State;
                attempts.Value = o.Attempts;
                next.Value = o.NextAttemptUtcTicks;
                finished.Value = o.State == OutboxState.Pending ? DBNull.Value : nowUtcTicks;
                status.Value = (object?)o.LastStatus ?? DBNull.Value;
                error.Value = (object?)o.LastError ?? DBNull.Value;
                command.ExecuteNonQuery();
            }
            return true;
        }, cancellationToken);
    }

    public Task<long?> NextWakeAsync(CancellationToken cancellationToken = default) =>
        Database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT MIN(CASE WHEN next_attempt < deliver_by THEN next_attempt ELSE deliver_by END) FROM outbox WHERE state = 0";
            return command.ExecuteScalar() is long ticks ? ticks : (long?)null;
        }, cancellationToken);

    public Task<long> CountPendingAsync(CancellationToken cancellationToken = default) =>
        Database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM outbox WHERE state = 0";
            return (long)command.ExecuteScalar()!;
        }, cancellationToken);

    public Task<int> PruneAsync(long cutoffUtcTicks, CancellationToken cancellationToken = default) =>
        Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM outbox WHERE state <> 0 AND finished < $cutoff";
            command.Parameters.AddWithValue("$cutoff", cutoffUtcTicks);
            var removed = command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM published WHERE at < $cutoff";
            command.ExecuteNonQuery();
            return removed;
        }, cancellationToken);

    public Task<IReadOnlyList<OutboxEntry>> ReadEntriesAsync(string? notificationId = null, CancellationToken cancellationToken = default) =>
        Database.ReadAsync<IReadOnlyList<OutboxEntry>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT notification_id, url, state, attempts, deliver_by, next_attempt, last_status, last_error
                FROM outbox WHERE $id IS NULL OR notification_id = $id ORDER BY created, notification_id, url
                """;
            command.Parameters.AddWithValue("$id", (object?)notificationId ?? DBNull.Value);
            using var reader = command.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(reader.GetString(0), reader.GetString(1), (OutboxState)reader.GetInt32(2), reader.GetInt32(3),
                    new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
            return entries;
        }, cancellationToken);

    public Task<long> ForgetNotificationsAsync(IReadOnlyCollection<string> notificationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notificationIds);
        if (notificationIds.Count == 0) return Task.FromResult(0L);
        return Database.WriteAsync((connection, transaction) =>
        {
            using var entries = connection.CreateCommand();
            entries.Transaction = transaction;
            entries.CommandText = "DELETE FROM outbox WHERE notification_id = $id";
            var id = entries.Parameters.Add("$id", SqliteType.Text);
            using var markers = connection.CreateCommand();
            markers.Transaction = transaction;
            markers.CommandText = "DELETE FROM published WHERE notification_id = $id";
            var markerId = markers.Parameters.Add("$id", SqliteType.Text);
            long removed = 0;
            foreach (var notificationId in notificationIds)
            {
                id.Value = markerId.Value = notificationId;
                removed += entries.ExecuteNonQuery();
                markers.ExecuteNonQuery();
            }
            return removed;
        }, cancellationToken);
    }
}
