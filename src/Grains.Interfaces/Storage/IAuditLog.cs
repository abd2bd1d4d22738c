using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Storage;

/// <summary>
/// The audit trail of admin changes (docs/decisions.md, "Audit trail"): append-only except for
/// <see cref="ForgetUserAsync"/> (users forget). Rule changes are appended by <see cref="IRuleStore.SaveRulesAsync"/> in the
/// change's own transaction; the other changes are committed with the owning grain's state and copied here with
/// <see cref="AppendAsync"/> (a transactional outbox, <c>src/Grains/Admin/AuditOutbox.cs</c>); <c>users forget</c>'s own entry
/// is appended by <see cref="ForgetUserAsync"/> in the transaction that redacts the user's entries.
/// </summary>
public interface IAuditLog
{
    /// <summary>
    /// Appends <paramref name="entry"/> (its <see cref="AuditEntry.Id"/> is assigned by the store); completes when durable. An entry
    /// whose <see cref="AuditEntry.ChangeId"/> is already stored is not appended again.
    /// </summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Entries at or after <paramref name="since"/> (all when null), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset? since, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Redacts every entry that concerns <paramref name="userId"/> (<see cref="AuditEntry.User"/>): who, when and the action stay;
    /// the target becomes <see cref="AuditRecords.ErasedTarget"/> and the user, before and after are removed. An entry of another
    /// user whose before or after names <paramref name="userId"/> (<c>"userId"</c>, a device that moved between owners) loses
    /// that side. <paramref name="record"/> (the erasure's own entry, naming no one), when given, is appended in the same
    /// transaction — with <paramref name="recordOnlyIfNamed"/>, only if some entry names the user (a retried erasure that
    /// finds nothing else left). Returns how many entries changed (the record not counted).
    /// </summary>
    Task<long> ForgetUserAsync(string userId, AuditEntry? record, bool recordOnlyIfNamed = false, CancellationToken cancellationToken = default);
}
