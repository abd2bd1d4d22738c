using System.Globalization;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IModelRegistryGrain"/>
/// <remarks>
/// The versions and the active pointer live in the model store on disk
/// (<see cref="ModelRepository"/>), so the registry survives a restart even with in-memory
/// grain storage. Retraining is scheduled with an Orleans reminder
/// (<see cref="AlsTrainingOptions.RetrainEvery"/>, default daily), durable with the grain
/// storage, registered once (again only when the period changes), and always runs with
/// promote-if-better.
/// </remarks>
public sealed partial class ModelRegistryGrain(
    ModelRepository repository,
    AlsTrainingService trainer,
    PropensityTrainingService propensityTrainer,
    ActiveModels activeModels,
    Admin.AuditOutbox audit,
    IOptions<AlsTrainingOptions> options,
    OsrClock clock,
    IReminderTable reminders,
    ILogger<ModelRegistryGrain> logger) : Grain, IModelRegistryGrain, IRemindable
{
    internal const string RetrainReminder = "retrain-als";

    /// <summary>Held-out decisions, and converted ones among them, a propensity model needs before it can be promoted automatically.</summary>
    internal const int MinHeldOut = 200, MinHeldOutPositives = 20;
    private const int KeepJobs = 20;
    private readonly Dictionary<string, TrainingJob> _jobs = new(StringComparer.Ordinal);
    private static readonly string[] Kinds = [ModelManifest.AlsKind, PropensityModels.Kind];
    private readonly Dictionary<string, ActivePointer> _active = new(StringComparer.Ordinal);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var kind in Kinds)
        {
            _active[kind] = await repository.ReadActiveAsync(kind);
            // Entries a crash or a refusing audit log left with their change go first.
            if (_active[kind].PendingAudit is { Count: > 0 }) await SettleAuditAsync(kind);
        }
        // Registered once and kept across restarts: re-registering on every activation would move
        // the next retraining a full period away each time the silo restarts.
        var every = options.Value.RetrainEvery;
        var stored = await reminders.ReadRow(this.GetGrainId(), RetrainReminder);
        if (stored is null || stored.Period != every) await this.RegisterOrUpdateReminder(RetrainReminder, every, every);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RetrainReminder) await StartTrainingAsync(ModelManifest.AlsKind, promoteIfBetter: true);
    }

    public ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter)
    {
        var now = clock.UtcNow;
        if (!_active.ContainsKey(kind))
        {
            var refused = new TrainingJob(NewJobId(now), kind, TrainingState.Failed, promoteIfBetter, now, 0, 0, null,
                $"unknown model kind '{kind}' (known: als, propensity)", null, false, now, null);
            Remember(refused);
            return ValueTask.FromResult(refused);
        }

        var running = _jobs.Values.FirstOrDefault(j => j.Kind == kind && j.State == TrainingState.Running);
        if (running is not null) return ValueTask.FromResult(running);

        var isAls = kind == ModelManifest.AlsKind;
        var job = new TrainingJob(NewJobId(now), kind, TrainingState.Running, promoteIfBetter, now, 0, isAls ? 2 * options.Value.Iterations : 1,
            null, isAls ? "reading the interaction log" : "reading the decision log", null, false, null, null);
        Remember(job);
        if (isAls) trainer.Start(job);
        else propensityTrainer.Start(job);
        RegistryLog.TrainingStarted(logger, job.JobId, kind, promoteIfBetter);
        return ValueTask.FromResult(job);
    }

    public ValueTask<TrainingJob?> GetJobAsync(string jobId) =>
        ValueTask.FromResult(_jobs.TryGetValue(jobId, out var job) ? job : null);

    public async ValueTask<ModelVersionView[]> ListAsync()
    {
        var stored = await repository.ListAsync();
        var als = stored.Select(m => new ModelVersionView(m.Manifest.Kind, m.Manifest.Version, m.Manifest.Version == Active(m.Manifest.Kind),
            m.Manifest.CreatedAt, new Dictionary<string, double>(m.Manifest.Metrics, StringComparer.Ordinal),
            m.Manifest.Counts.Users, m.Manifest.Counts.Items, m.Manifest.Counts.Interactions));
        var propensity = (await repository.ListPropensityAsync()).Select(m => new ModelVersionView(PropensityModels.Kind, m.Version,
            m.Version == Active(PropensityModels.Kind), m.CreatedAt, new Dictionary<string, double>(m.Metrics, StringComparer.Ordinal),
            0, m.Categories.Length, m.Examples));
        return [.. als.Concat(propensity).OrderByDescending(v => v.CreatedAt)];
    }

    public async ValueTask<RegistryResult> PromoteAsync(string kind, string version)
    {
        if (!_active.TryGetValue(kind, out var pointer)) return new(false, $"unknown model kind '{kind}' (known: als, propensity)", null);
        if (!await ExistsAsync(kind, version))
            return new(false, $"no {kind} model version '{version}' (see: osr-admin model list)", pointer.Active);
        if (pointer.Active == version) return new(true, $"{version} is already active", version);
        await ActivateAsync(kind, version, pushCurrent: true, AuditActions.ModelPromote);
        return new(true, $"{kind} {version} is now active", version);
    }

    public async ValueTask<RegistryResult> RollbackAsync(string kind)
    {
        if (!_active.TryGetValue(kind, out var pointer)) return new(false, $"unknown model kind '{kind}' (known: als, propensity)", null);
        if (pointer.History.Length == 0) return new(false, $"no earlier {kind} version to roll back to", pointer.Active);
        var previous = pointer.History[^1];
        await SetActiveAsync(kind, pointer with { Active = previous, History = pointer.History[..^1] }, AuditActions.ModelRollback);
        RegistryLog.Activated(logger, kind, previous, "rollback");
        return new(true, $"{kind} rolled back to {previous}", previous);
    }

    public ValueTask<string?> GetActiveAsync(string kind) => ValueTask.FromResult(Active(kind));

    private string? Active(string kind) => _active.TryGetValue(kind, out var p) ? p.Active : null;

    private async Task<bool> ExistsAsync(string kind, string version) => kind == PropensityModels.Kind
        ? (await repository.ListPropensityAsync()).Any(m => m.Version == version)
        : (await repository.ListAsync()).Any(m => m.Manifest.Kind == kind && m.Manifest.Version == version);

    public async ValueTask ReportTrainingAsync(TrainingJob job)
    {
        if (_jobs.TryGetValue(job.JobId, out var known) && known.State != TrainingState.Running) return; // late progress
        if (job.State == TrainingState.Succeeded && job.PromoteIfBetter && job.Version is { } version)
        {
            var (promote, reason) = await ShouldPromoteAsync(job);
            // The registry's own decision (promote if better), not an admin change: logged, not audited.
            if (promote) await ActivateAsync(job.Kind, version, pushCurrent: true, adminAction: null);
            job = job with { Promoted = promote, Message = job.Message + "; " + reason };
        }
        Remember(job);
    }

    private async Task<(bool Promote, string Reason)> ShouldPromoteAsync(TrainingJob job)
    {
        var tolerance = options.Value.PromoteTolerance;
        if (job.Kind == PropensityModels.Kind)
        {
            // The neutral prior ranks nothing: its AUC is 0.5, and a model must beat it outright.
            var auc = job.Metrics?.GetValueOrDefault("auc") ?? 0;
            var logLoss = job.Metrics?.GetValueOrDefault("logloss", double.PositiveInfinity) ?? double.PositiveInfinity;
            var baseLogLoss = job.Metrics?.GetValueOrDefault("baseline.logloss", 0) ?? 0;
            var tested = job.Metrics?.GetValueOrDefault("examples.test") ?? 0;
            var positives = job.Metrics?.GetValueOrDefault("positives.test") ?? 0;
            if (tested < MinHeldOut || positives < MinHeldOutPositives)
            {
                // A dozen held-out decisions can show any AUC; don't let chance drive pushes.
                return (false, string.Create(CultureInfo.InvariantCulture,
                    $"not promoted: too little held-out data to judge ({tested:0} decisions, {positives:0} converted; needs {MinHeldOut} and {MinHeldOutPositives})"));
            }
            if (!(logLoss < baseLogLoss))
            {
                // A model that ranks but is worse calibrated than the base rate would distort the OSR score.
                return (false, string.Create(CultureInfo.InvariantCulture,
                    $"not promoted: held-out log-loss {logLoss:F4} is not below the base rate's {baseLogLoss:F4} (auc {auc:F4})"));
            }
            var activeVersion = Active(PropensityModels.Kind);
            var activeAuc = 0.5;
            if (activeVersion is not null)
            {
                var manifest = (await repository.ListPropensityAsync()).FirstOrDefault(m => m.Version == activeVersion);
                if (manifest is null) return (true, $"promoted: the active version {activeVersion} is missing from the store");
                activeAuc = manifest.Metrics.GetValueOrDefault("auc", 0.5);
            }
            var against = activeVersion ?? "the prior";
            var text = string.Create(CultureInfo.InvariantCulture, $"auc {auc:F4} vs {against} {activeAuc:F4} (tolerance {tolerance})");
            var better = activeVersion is null ? auc > activeAuc : auc >= activeAuc - tolerance;
            return better ? (true, "promoted: " + text) : (false, "not promoted: " + text);
        }

        var als = Active(ModelManifest.AlsKind);
        if (als is null) return (true, "promoted: no model was active");
        var stored = await repository.ListAsync();
        var active = stored.FirstOrDefault(m => m.Manifest.Version == als);
        if (active is null) return (true, $"promoted: the active version {als} is missing from the store");
        var candidate = job.Metrics?.GetValueOrDefault("recall@10") ?? 0;
        var current = active.Manifest.Metrics.GetValueOrDefault("recall@10");
        var alsText = string.Create(CultureInfo.InvariantCulture, $"recall@10 {candidate:F4} vs active {current:F4} (tolerance {tolerance})");
        return candidate >= current - tolerance ? (true, "promoted: " + alsText) : (false, "not promoted: " + alsText);
    }

    private async Task ActivateAsync(string kind, string version, bool pushCurrent, string? adminAction)
    {
        var pointer = _active[kind];
        var history = pushCurrent && pointer.Active is { } current ? [.. pointer.History, current] : pointer.History;
        await SetActiveAsync(kind, pointer with { Active = version, History = history.Length > 50 ? history[^50..] : history }, adminAction);
        if (kind == ModelManifest.AlsKind) repository.Evict(new HashSet<string>(StringComparer.Ordinal) { version });
        RegistryLog.Activated(logger, kind, version, "promotion");
    }

    /// <summary>
    /// Stores <paramref name="next"/> as the kind's pointer and serves it. An admin's change (<paramref name="adminAction"/>)
    /// stores its audit entry in the same pointer write, then copies it to the audit trail (<see cref="Admin.AuditOutbox"/>).
    /// </summary>
    private async Task SetActiveAsync(string kind, ActivePointer next, string? adminAction)
    {
        var pending = next.PendingAudit ?? [];
        if (adminAction is not null)
            pending.Add(audit.NewEntry(adminAction, kind, null, AuditRecords.ActiveModel(kind, Active(kind)), AuditRecords.ActiveModel(kind, next.Active)));
        _active[kind] = next with { PendingAudit = pending.Count > 0 ? pending : null };
        await repository.WriteActiveAsync(kind, _active[kind]);
        activeModels.Set(kind, next.Active);
        if (pending.Count > 0) await SettleAuditAsync(kind);
    }

    private Task SettleAuditAsync(string kind) => audit.SettleAsync(this, () => _active[kind].PendingAudit ?? [],
        () => repository.WriteActiveAsync(kind, _active[kind] with { PendingAudit = null }));

    private void Remember(TrainingJob job)
    {
        _jobs[job.JobId] = job;
        if (_jobs.Count <= KeepJobs) return;
        foreach (var old in _jobs.Values.Where(j => j.State != TrainingState.Running).OrderBy(j => j.StartedAt).Take(_jobs.Count - KeepJobs).ToList())
            _jobs.Remove(old.JobId);
    }

    private static string NewJobId(DateTimeOffset now) =>
        "job-" + now.UtcDateTime.ToString("yyyyMMddTHHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];

    private static partial class RegistryLog
    {
        [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Training job {JobId} for {Kind} started (promote if better: {Promote})")]
        public static partial void TrainingStarted(ILogger logger, string jobId, string kind, bool promote);

        [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "{Kind} model {Version} is active ({How})")]
        public static partial void Activated(ILogger logger, string kind, string version, string how);
    }
}
