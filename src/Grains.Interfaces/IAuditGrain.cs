using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>Reads the audit trail (key <see cref="GrainKeys.Global"/>): <c>osr-admin audit show</c>.</summary>
[Alias("osr.IAuditGrain")]
public interface IAuditGrain : IGrainWithStringKey
{
    /// <summary>Entries at or after <paramref name="since"/> (all when null), oldest first, at most <paramref name="limit"/>.</summary>
    [Alias("Read")]
    ValueTask<AuditEntry[]> ReadAsync(DateTimeOffset? since, int limit);
}
