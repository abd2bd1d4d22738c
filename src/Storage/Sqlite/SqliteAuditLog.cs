using Microsoft.Data.Sqlite;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary><see cref="IAuditLog"/> on the embedded <c>events.db</c> (table <c>audit</c>), beside the rules it audits.</summary>
public sealed class SqliteAuditLog(SqliteDatabase database) : IAuditLog
{
    public SqliteDatabase Database { get; } = database;

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Database.WriteAsync((connection, transaction) => Insert(connection, transaction, entry), cancellationToken);
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset? since, int limit, CancellationToken cancellationToken = default) =>
        Database.ReadAsync<IReadOnlyList<AuditEntry>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, at, who, action, target, user_id, before, after, change_id FROM audit WHERE at >= $since ORDER BY id LIMIT $limit";
            command.Parameters.AddWithValue("$since", since?.UtcTicks ?? long.MinValue);
            command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
            using var reader = command.ExecuteReader();
            var entries = new List<AuditEntry>();
            while (reader.Read())
                entries.Add(new AuditEntry(reader.GetInt64(0), new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero), reader.GetString(2),
                    reader.GetString(3), reader.GetString(4), Nullable(reader, 5), Nullable(reader, 6), Nullable(reader, 7), Nullable(reader, 8)));
            return entries;
        }, cancellationToken);

    public Task<long> ForgetUserAsync(string userId, AuditEntry? record, bool recordOnlyIfNamed = false, CancellationToken cancellationToken = default) =>
        Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$u", userId);
            command.Parameters.AddWithValue("$erased", AuditRecords.ErasedTarget);
            var named = recordOnlyIfNamed && record is not null && Named(command);
            long changed = 0;
            foreach (var statement in ForgetStatements)
            {
                command.CommandText = statement;
                changed += command.ExecuteNonQuery();
            }
            if (record is not null && (!recordOnlyIfNamed || named)) Insert(connection, transaction, record);
            return changed;
        }, cancellationToken);

    private static bool Named(SqliteCommand command)
    {
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM audit WHERE user_id = $u OR json_extract(before, '$.userId') = $u OR json_extract(after, '$.userId') = $u)";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    private static readonly string[] ForgetStatements =
        [
            "UPDATE audit SET target = $erased, user_id = NULL, before = NULL, after = NULL WHERE user_id = $u",
            // An entry of another user that still names this one (a device that moved from them): that side goes.
            """
            UPDATE audit SET
                before = CASE WHEN json_extract(before, '$.userId') = $u THEN NULL ELSE before END,
                after = CASE WHEN json_extract(after, '$.userId') = $u THEN NULL ELSE after END
            WHERE json_extract(before, '$.userId') = $u OR json_extract(after, '$.userId') = $u
            """,
        ];

    /// <summary>
    /// Inserts <paramref name="entry"/> in <paramref name="transaction"/> (also used by <see cref="SqliteRuleStore"/>); an entry whose
    /// change id is already stored is not inserted again (returns 0).
    /// </summary>
    internal static int Insert(SqliteConnection connection, SqliteTransaction transaction, AuditEntry entry)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO audit (at, who, action, target, user_id, before, after, change_id)
            VALUES ($at, $who, $action, $target, $user, $before, $after, $change) ON CONFLICT DO NOTHING
            """;
        command.Parameters.AddWithValue("$at", entry.At.UtcTicks);
        command.Parameters.AddWithValue("$who", entry.Who);
        command.Parameters.AddWithValue("$action", entry.Action);
        command.Parameters.AddWithValue("$target", entry.Target);
        command.Parameters.AddWithValue("$user", (object?)entry.User ?? DBNull.Value);
        command.Parameters.AddWithValue("$before", (object?)entry.Before ?? DBNull.Value);
        command.Parameters.AddWithValue("$after", (object?)entry.After ?? DBNull.Value);
        command.Parameters.AddWithValue("$change", (object?)entry.ChangeId ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }

    private static string? Nullable(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
