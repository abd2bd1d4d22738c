using Npgsql;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary><see cref="IAuditLog"/> on PostgreSQL (table <c>osr_audit</c>).</summary>
public sealed class PostgreSqlAuditLog(PostgreSqlDatabase database) : IAuditLog
{
    internal const string Columns = "at, who, action, target, user_id, before, after, change_id";

    public PostgreSqlDatabase Database { get; } = database;

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Database.WriteAsync(batch => batch.Add(Command(
            $"INSERT INTO osr_audit ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING", Values(entry))), cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset? since, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand(
            $"SELECT id, {Columns} FROM osr_audit WHERE at >= $1 ORDER BY id LIMIT $2");
        command.Parameters.Add(P(since?.UtcTicks ?? long.MinValue));
        command.Parameters.Add(P(Math.Max(0, limit)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            entries.Add(new AuditEntry(reader.GetInt64(0), new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), Nullable(reader, 5), Nullable(reader, 6), Nullable(reader, 7), Nullable(reader, 8)));
        return entries;
    }

    public async Task<long> ForgetUserAsync(string userId, AuditEntry? record, bool recordOnlyIfNamed = false, CancellationToken cancellationToken = default)
    {
        // The record first (one implicit transaction for the batch), so that its condition sees the entries before redaction.
        NpgsqlBatchCommand[] appended = record is null ? [] :
        [
            Command($"""
                INSERT INTO osr_audit ({Columns}) SELECT $1, $2, $3, $4, $5, $6, $7, $8
                WHERE NOT $9 OR EXISTS (SELECT 1 FROM osr_audit WHERE {NamesUser("$10")})
                ON CONFLICT DO NOTHING
                """, [.. Values(record), P(recordOnlyIfNamed), P(userId)]),
        ];
        var changed = await Database.ExecuteOwnAsync(
        [
            .. appended,
            Command("UPDATE osr_audit SET target = $2, user_id = NULL, before = NULL, after = NULL WHERE user_id = $1", P(userId), P(AuditRecords.ErasedTarget)),
            // An entry of another user that still names this one (a device that moved from them): that side goes.
            Command("""
                UPDATE osr_audit SET
                    before = CASE WHEN before::jsonb ->> 'userId' = $1 THEN NULL ELSE before END,
                    after = CASE WHEN after::jsonb ->> 'userId' = $1 THEN NULL ELSE after END
                WHERE before::jsonb ->> 'userId' = $1 OR after::jsonb ->> 'userId' = $1
                """, P(userId)),
        ], cancellationToken).ConfigureAwait(false);
        return changed[^2] + changed[^1];
    }

    private static string NamesUser(string p) => $"user_id = {p} OR before::jsonb ->> 'userId' = {p} OR after::jsonb ->> 'userId' = {p}";

    /// <summary>The eight column values of <paramref name="entry"/>, in <see cref="Columns"/> order (also used by <see cref="PostgreSqlRuleStore"/>).</summary>
    internal static NpgsqlParameter[] Values(AuditEntry entry) =>
        [P(entry.At.UtcTicks), P(entry.Who), P(entry.Action), P(entry.Target), Text(entry.User), Text(entry.Before), Text(entry.After), Text(entry.ChangeId)];

    private static string? Nullable(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
