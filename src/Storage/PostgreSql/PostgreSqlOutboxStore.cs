using Npgsql;
using Osr.Orleans.Grains.Storage;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>
/// <see cref="IOutboxStore"/> on PostgreSQL (tables <c>osr_outbox</c>, <c>osr_published</c>),
/// shared by the delivery loops of every silo: a loop claims due rows with
/// <c>FOR UPDATE SKIP LOCKED</c> and moves their next attempt to a lease, so that each entry is
/// attempted by one loop at a time. Enqueues are group-committed.
/// </summary>
public sealed class PostgreSqlOutboxStore(PostgreSqlDatabase database, bool ownsDatabase = false) : IOutboxStore, IAsyncDisposable
{
    public PostgreSqlDatabase Database { get; } = database;

    /// <summary>Closes the database when this store owns it.</summary>
    public ValueTask DisposeAsync() => ownsDatabase ? Database.DisposeAsync() : ValueTask.CompletedTask;

    public string Location => Database.Name;

    public async Task<OutboxEnqueueResult> EnqueueAsync(OutboxEnqueue request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var affected = await Database.WriteAsync(batch =>
        {
            foreach (var url in request.Urls)
            {
                batch.Add(Command("""
                    INSERT INTO osr_outbox (notification_id, url, body, deliver_by, next_attempt, attempts, state, created)
                    VALUES ($1, $2, $3, $4, $5, 0, 0, $5) ON CONFLICT (notification_id, url) DO NOTHING
                    """, P(request.NotificationId), P(url), P(request.Body), P(request.DeliverByUtcTicks), P(request.NowUtcTicks)));
            }
            if (request.Mqtt)
            {
                batch.Add(Command("INSERT INTO osr_published (notification_id, at) VALUES ($1, $2) ON CONFLICT (notification_id) DO NOTHING",
                    P(request.NotificationId), P(request.NowUtcTicks)));
            }
        }, cancellationToken).ConfigureAwait(false);
        var queued = 0;
        for (var i = 0; i < request.Urls.Length; i++) queued += affected[i];
        return new OutboxEnqueueResult(queued, request.Mqtt && affected[^1] == 1);
    }

    public async Task<IReadOnlyList<OutboxExpiredEntry>> ExpireDueAsync(long nowUtcTicks, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("""
            UPDATE osr_outbox SET state = 3, finished = $1
            WHERE state = 0 AND deliver_by <= $1
            RETURNING notification_id, url, deliver_by, attempts
            """);
        command.Parameters.Add(P(nowUtcTicks));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var expired = new List<OutboxExpiredEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            expired.Add(new OutboxExpiredEntry(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3)));
        return expired;
    }

    public async Task<IReadOnlyList<OutboxDueEntry>> ClaimDueAsync(long nowUtcTicks, long leaseUntilUtcTicks, int max,
        CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("""
            UPDATE osr_outbox o SET next_attempt = $2
            FROM (SELECT notification_id, url FROM osr_outbox
                  WHERE state = 0 AND next_attempt <= $1
                  ORDER BY next_attempt LIMIT $3
                  FOR UPDATE SKIP LOCKED) due
            WHERE o.notification_id = due.notification_id AND o.url = due.url
            RETURNING o.notification_id, o.url, o.body, o.deliver_by, o.attempts
            """);
        command.Parameters.Add(P(nowUtcTicks));
        command.Parameters.Add(P(leaseUntilUtcTicks));
        command.Parameters.Add(P(max));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<OutboxDueEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            due.Add(new OutboxDueEntry(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetInt64(3), reader.GetInt32(4)));
        return due;
    }

    public async Task RecordAsync(IReadOnlyList<OutboxOutcome> outcomes, long nowUtcTicks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0) return;
        // One batch, one round trip, one implicit transaction.
        await using var connection = await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var o in outcomes)
        {
            batch.BatchCommands.Add(Command("""
                UPDATE osr_outbox SET state = $1, attempts = $2, next_attempt = $3, finished = $4, last_status = $5, last_error = $6
                WHERE notification_id = $7 AND url = $8 AND state = 0
                """, P((short)o.State), P(o.Attempts), P(o.NextAttemptUtcTicks),
                new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint, Value = o.State == OutboxState.Pending ? DBNull.Value : nowUtcTicks },
                Int(o.LastStatus), Text(o.LastError), P(o.NotificationId), P(o.Url)));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long?> NextWakeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT MIN(LEAST(next_attempt, deliver_by)) FROM osr_outbox WHERE state = 0");
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks ? ticks : null;
    }

    public async Task<long> CountPendingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT COUNT(*) FROM osr_outbox WHERE state = 0");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<int> PruneAsync(long cutoffUtcTicks, CancellationToken cancellationToken = default) =>
        (int)(await Database.ExecuteOwnAsync([
            Command("DELETE FROM osr_outbox WHERE state <> 0 AND finished < $1", P(cutoffUtcTicks)),
            Command("DELETE FROM osr_published WHERE at < $1", P(cutoffUtcTicks)),
        ], cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<OutboxEntry>> ReadEntriesAsync(string? notificationId = null, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("""
            SELECT notification_id, url, state, attempts, deliver_by, next_attempt, last_status, last_error
            FROM osr_outbox WHERE $1::text IS NULL OR notification_id = $1
            ORDER BY created, notification_id COLLATE "C", url COLLATE "C"
            """);
        command.Parameters.Add(Text(notificationId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<OutboxEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new OutboxEntry(reader.GetString(0), reader.GetString(1), (OutboxState)reader.GetInt16(2), reader.GetInt32(3),
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return entries;
    }

    public async Task<long> ForgetNotificationsAsync(IReadOnlyCollection<string> notificationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notificationIds);
        if (notificationIds.Count == 0) return 0;
        var ids = notificationIds.ToArray();
        return (await Database.ExecuteOwnAsync([
            Command("DELETE FROM osr_outbox WHERE notification_id = ANY($1)", P(ids)),
            Command("DELETE FROM osr_published WHERE notification_id = ANY($1)", P(ids)),
        ], cancellationToken).ConfigureAwait(false))[0];
    }
}
