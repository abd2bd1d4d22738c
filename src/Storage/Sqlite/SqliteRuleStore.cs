using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary>
/// <see cref="IRuleStore"/> on the embedded <c>events.db</c> (table <c>rules</c>, one JSON row per version, <c>INSERT OR IGNORE</c>);
/// the change's audit entry goes to table <c>audit</c> of the same file in the same transaction.
/// </summary>
public sealed class SqliteRuleStore(SqliteDatabase database) : IRuleStore
{
    public SqliteDatabase Database { get; } = database;

    public Task SaveRulesAsync(RuleSet rules, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var json = StoredFormats.EncodeRules(rules);
        return Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO rules (version, json, changed_at) VALUES ($v, $json, $at)";
            command.Parameters.AddWithValue("$v", rules.Version);
            command.Parameters.AddWithValue("$json", json);
            command.Parameters.AddWithValue("$at", rules.ChangedAt.UtcTicks);
            var stored = command.ExecuteNonQuery();
            if (stored == 1 && audit is not null) SqliteAuditLog.Insert(connection, transaction, audit);
            return stored;
        }, cancellationToken);
    }

    public Task<RuleSet?> ReadLatestRulesAsync(CancellationToken cancellationToken = default) =>
        Database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json FROM rules ORDER BY version DESC LIMIT 1";
            return command.ExecuteScalar() is string json ? StoredFormats.DecodeRules(json) : null;
        }, cancellationToken);
}
