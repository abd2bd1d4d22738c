using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains.Storage;

/// <summary>
/// Durable home of the rule set (each version kept), so an admin change survives a restart of
/// an embedded silo whose grain storage is in memory. Writes complete when durable.
/// </summary>
public interface IRuleStore
{
    /// <summary>
    /// Stores <paramref name="rules"/> as a new version (idempotent per version) and, in the same transaction,
    /// appends <paramref name="audit"/> to the audit trail (<see cref="IAuditLog"/>) when this call stored the version.
    /// </summary>
    Task SaveRulesAsync(RuleSet rules, AuditEntry? audit = null, CancellationToken cancellationToken = default);

    /// <summary>The newest stored version, or null when none was ever stored.</summary>
    Task<RuleSet?> ReadLatestRulesAsync(CancellationToken cancellationToken = default);
}
