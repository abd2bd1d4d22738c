using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <summary>
/// The audit trail of changes kept in grain state (devices, user profiles, active models), as a transactional outbox
/// (docs/decisions.md, "Audit trail"): the owning grain adds the <see cref="NewEntry">entry</see> to its state's pending
/// list and stores both in one state write, so a change is never stored without its entry; then <see cref="DeliverAsync"/>
/// copies the pending entries to the <see cref="IAuditLog"/>, which stores each <see cref="AuditEntry.ChangeId"/> once, and
/// the state is written again without them. An entry the log did not take (its database down, a crash between the two
/// writes) stays pending with the change and goes with the grain's next delivery: its next change or its next activation.
/// </summary>
public sealed partial class AuditOutbox(IAuditLog log, OsrClock clock, ILogger<AuditOutbox> logger)
{
    /// <summary>An entry for a change made now, on behalf of the admin of the current call (<see cref="AdminCaller"/>), with a fresh change id.</summary>
    public AuditEntry NewEntry(string action, string target, string? user, string? before, string? after) =>
        new(0, clock.UtcNow, AdminCaller.Who(), action, target, user, before, after, Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Copies <paramref name="pending"/> to the log in order, removing each once stored, then runs <paramref name="writeCleared"/>
    /// (the owner's state write without them). Does nothing when nothing is pending. If the log refuses an entry, its error
    /// propagates to the caller and that entry and the ones after it stay pending (the change stands; its entry is durable).
    /// </summary>
    public async Task DeliverAsync(List<AuditEntry> pending, Func<Task> writeCleared)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(writeCleared);
        if (pending.Count == 0) return;
        while (pending.Count > 0)
        {
            await log.AppendAsync(pending[0]);
            pending.RemoveAt(0);
        }
        await writeCleared();
    }

    /// <summary>
    /// <see cref="DeliverAsync"/> for an activation: a refusing log is logged, not thrown, so that the grain still activates
    /// (a device still connects while the audit database is down); the entries stay pending.
    /// </summary>
    public async Task TryDeliverAsync(List<AuditEntry> pending, Func<Task> writeCleared)
    {
        try
        {
            await DeliverAsync(pending, writeCleared);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Deferred(logger, pending.Count, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1160, Level = LogLevel.Warning,
            Message = "{Count} audit entries stay with their change in grain state until the next delivery: the audit log refused them")]
        public static partial void Deferred(ILogger logger, int count, Exception ex);
    }
}
