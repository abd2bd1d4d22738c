using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <summary>
/// The audit trail of changes kept in grain state (devices, user profiles, active models), as a transactional outbox
/// (docs/decisions.md, "Audit trail"): the owning grain adds the <see cref="NewEntry">entry</see> to its state's pending
/// list with the change, and stores both in one state write, so a change is never stored without its entry; then
/// <see cref="SettleAsync"/> copies the pending entries to the <see cref="IAuditLog"/>, which stores each
/// <see cref="AuditEntry.ChangeId"/> once, and the state is written again without them. An entry the log did not take
/// (its database down, a crash between the two writes) stays pending with the change: it is retried on a grain timer
/// every <see cref="RetryEvery"/> while the grain is active, and delivered at its next activation otherwise.
/// </summary>
public sealed partial class AuditOutbox(IAuditLog log, OsrClock clock, ILogger<AuditOutbox> logger)
{
    /// <summary>How often an active grain retries entries the log refused.</summary>
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(10);

    // One retry timer per grain activation at most.
    private readonly ConditionalWeakTable<IGrainBase, IGrainTimer> _retries = new();

    /// <summary>An entry for a change made now, on behalf of the admin of the current call (<see cref="AdminCaller"/>), with a fresh change id.</summary>
    public AuditEntry NewEntry(string action, string target, string? user, string? before, string? after) =>
        new(0, clock.UtcNow, AdminCaller.Who(), action, target, user, before, after, Guid.NewGuid().ToString("N"));

    /// <summary>
    /// After the change and its entries were stored: copies the grain's <paramref name="pending"/> entries to the log and
    /// writes the state without them (<paramref name="writeCleared"/>). Never throws — the change is already stored with its
    /// entries: if the log refuses, the entries stay pending and <paramref name="grain"/> retries on a timer until they are
    /// delivered. <paramref name="pending"/> is read anew at each try (a forget replaces the state).
    /// </summary>
    public async Task SettleAsync(IGrainBase grain, Func<List<AuditEntry>> pending, Func<Task> writeCleared)
    {
        if (await TryDeliverAsync(pending(), writeCleared) || _retries.TryGetValue(grain, out _)) return;
        var timer = grain.RegisterGrainTimer(async _ =>
        {
            if (!await TryDeliverAsync(pending(), writeCleared)) return;
            if (_retries.TryGetValue(grain, out var self))
            {
                _retries.Remove(grain);
                self.Dispose();
            }
        }, new GrainTimerCreationOptions(RetryEvery, RetryEvery) { KeepAlive = false });
        _retries.AddOrUpdate(grain, timer);
    }

    /// <summary>
    /// Copies <paramref name="pending"/> to the log in order, removing each once stored, then runs <paramref name="writeCleared"/>;
    /// nothing when nothing is pending. A refusal is logged, not thrown (a device still connects while the audit database is
    /// down); the entries not copied stay pending. True when nothing is left pending.
    /// </summary>
    public async Task<bool> TryDeliverAsync(List<AuditEntry> pending, Func<Task> writeCleared)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(writeCleared);
        if (pending.Count == 0) return true;
        try
        {
            while (pending.Count > 0)
            {
                await log.AppendAsync(pending[0]);
                pending.RemoveAt(0);
            }
            await writeCleared();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Deferred(logger, pending.Count, ex);
            return pending.Count == 0;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1160, Level = LogLevel.Warning,
            Message = "{Count} audit entries stay with their change in grain state until the next delivery: the audit log refused them")]
        public static partial void Deferred(ILogger logger, int count, Exception ex);
    }
}
