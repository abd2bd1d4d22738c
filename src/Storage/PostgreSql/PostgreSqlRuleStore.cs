using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>
/// <see cref="IRuleStore"/> on PostgreSQL (table <c>osr_rules</c>, one JSON row per version, <c>ON CONFLICT DO NOTHING</c>);
/// the change's audit entry is inserted by the same statement (<c>osr_audit</c>), only when the version was stored.
/// </summary>
public sealed class PostgreSqlRuleStore(PostgreSqlDatabase database) : IRuleStore
{
    public PostgreSqlDatabase Database { get; } = database;

    public Task SaveRulesAsync(RuleSet rules, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var json = StoredFormats.EncodeRules(rules);
        const string Insert = "INSERT INTO osr_rules (version, json, changed_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING";
        return Database.WriteAsync(batch => batch.Add(audit is null
            ? Command(Insert, P(rules.Version), P(json), P(rules.ChangedAt.UtcTicks))
            : Command(
                $"WITH stored AS ({Insert} RETURNING version) " +
                $"INSERT INTO osr_audit ({PostgreSqlAuditLog.Columns}) SELECT $4, $5, $6, $7, $8, $9, $10, $11 FROM stored",
                [P(rules.Version), P(json), P(rules.ChangedAt.UtcTicks), .. PostgreSqlAuditLog.Values(audit)])), cancellationToken);
    }

    public async Task<RuleSet?> ReadLatestRulesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT json FROM osr_rules ORDER BY version DESC LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? StoredFormats.DecodeRules(json) : null;
    }
}
