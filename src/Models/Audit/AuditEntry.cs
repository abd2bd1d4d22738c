namespace Osr.Orleans.Models.Audit;

/// <summary>
/// One admin change (docs/contract.md, <c>osr-admin audit show</c>): who made it, when, what (an
/// <see cref="AuditActions">action</see> and its target), and the state before and after as JSON
/// (null when there was none). <see cref="User"/> is the user the change concerns, if exactly one:
/// <c>users forget</c> erases that user's entries (docs/decisions.md, "Audit trail"). <see cref="ChangeId"/> names the change
/// once: an entry committed with its change and copied to the log more than once is stored once.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.audit-entry")]
public sealed record AuditEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Who,
    [property: Id(3)] string Action,
    [property: Id(4)] string Target,
    [property: Id(5)] string? User,
    [property: Id(6)] string? Before,
    [property: Id(7)] string? After,
    [property: Id(8)] string? ChangeId = null);

/// <summary>The audited admin changes, as stored in <see cref="AuditEntry.Action"/>.</summary>
public static class AuditActions
{
    public const string RulesSet = "rules.set";
    public const string DevicesRegister = "devices.register";
    public const string DevicesImport = "devices.import";
    public const string DevicesRotate = "devices.rotate";
    public const string DevicesRevoke = "devices.revoke";
    public const string UsersImport = "users.import";
    public const string UsersForget = "users.forget";
    public const string ModelTrain = "model.train";
    public const string ModelPromote = "model.promote";
    public const string ModelRollback = "model.rollback";
}
