using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Rules;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary><see cref="IRuleStore"/> on PostgreSQL (table <c>osr_rules</c>, one JSON row per version, <c>ON CONFLICT DO NOTHING</c>).</summary>
public sealed class PostgreSqlRuleStore(PostgreSqlDatabase database) : IRuleStore
{
    public PostgreSqlDatabase Database { get; } = database;

    public Task SaveRulesAsync(RuleSet rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var json = StoredFormats.EncodeRules(rules);
        return Database.WriteAsync(batch => batch.Add(Command(
            "INSERT INTO osr_rules (version, json, changed_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
            P(rules.Version), P(json), P(rules.ChangedAt.UtcTicks))), cancellationToken);
    }

    public async Task<RuleSet?> ReadLatestRulesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT json FROM osr_rules ORDER BY version DESC LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? StoredFormats.DecodeRules(json) : null;
    }
}
