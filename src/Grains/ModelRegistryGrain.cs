using System.Globalization;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IModelRegistryGrain"/>
/// <remarks>
/// The versions and the active pointer live in the model store on disk
/// (<see cref="ModelRepository"/>), so the registry survives a restart even with in-memory
/// grain storage. Retraining is scheduled with an Orleans reminder
/// (<see cref="AlsTrainingOptions.RetrainEvery"/>, default daily) and always runs with
/// promote-if-better.
/// </remarks>
public sealed partial class ModelRegistryGrain(
    ModelRepository repository,
    AlsTrainingService trainer,
    ActiveModels activeModels,
    IOptions<AlsTrainingOptions> options,
    OsrClock clock,
    ILogger<ModelRegistryGrain> logger) : Grain, IModelRegistryGrain, IRemindable
{
    internal const string RetrainReminder = "retrain-als";
    private const int KeepJobs = 20;
    private readonly Dictionary<string, TrainingJob> _jobs = new(StringComparer.Ordinal);
    private ActivePointer _als = ActivePointer.None;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _als = await repository.ReadActiveAsync(ModelManifest.AlsKind);
        var every = options.Value.RetrainEvery;
        await this.RegisterOrUpdateReminder(RetrainReminder, every, every);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RetrainReminder) await StartTrainingAsync(ModelManifest.AlsKind, promoteIfBetter: true);
    }

    public ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter)
    {
        var now = clock.UtcNow;
        if (kind != ModelManifest.AlsKind)
        {
            var refused = new TrainingJob(NewJobId(now), kind, TrainingState.Failed, promoteIfBetter, now, 0, 0, null,
                $"model kind '{kind}' cannot be trained by this version (only 'als')", null, false, now, null);
            Remember(refused);
            return ValueTask.FromResult(refused);
        }

        var running = _jobs.Values.FirstOrDefault(j => j.Kind == kind && j.State == TrainingState.Running);
        if (running is not null) return ValueTask.FromResult(running);

        var job = new TrainingJob(NewJobId(now), kind, TrainingState.Running, promoteIfBetter, now, 0, 2 * options.Value.Iterations,
            null, "reading the interaction log", null, false, null, null);
        Remember(job);
        trainer.Start(job);
        RegistryLog.TrainingStarted(logger, job.JobId, kind, promoteIfBetter);
        return ValueTask.FromResult(job);
    }

    public ValueTask<TrainingJob?> GetJobAsync(string jobId) =>
        ValueTask.FromResult(_jobs.TryGetValue(jobId, out var job) ? job : null);

    public async ValueTask<ModelVersionView[]> ListAsync()
    {
        var stored = await repository.ListAsync();
        return [.. stored
            .OrderByDescending(m => m.Manifest.CreatedAt)
            .Select(m => new ModelVersionView(m.Manifest.Kind, m.Manifest.Version, m.Manifest.Version == _als.Active,
                m.Manifest.CreatedAt, new Dictionary<string, double>(m.Manifest.Metrics, StringComparer.Ordinal),
                m.Manifest.Counts.Users, m.Manifest.Counts.Items, m.Manifest.Counts.Interactions))];
    }

    public async ValueTask<RegistryResult> PromoteAsync(string kind, string version)
    {
        if (kind != ModelManifest.AlsKind) return new(false, $"unknown model kind '{kind}' (known: als)", null);
        var stored = await repository.ListAsync();
        if (!stored.Any(m => m.Manifest.Kind == kind && m.Manifest.Version == version))
            return new(false, $"no {kind} model version '{version}' (see: osr-admin model list)", _als.Active);
        if (_als.Active == version) return new(true, $"{version} is already active", version);
        await ActivateAsync(version, pushCurrent: true);
        return new(true, $"{kind} {version} is now active", version);
    }

    public async ValueTask<RegistryResult> RollbackAsync(string kind)
    {
        if (kind != ModelManifest.AlsKind) return new(false, $"unknown model kind '{kind}' (known: als)", null);
        if (_als.History.Length == 0) return new(false, $"no earlier {kind} version to roll back to", _als.Active);
        var previous = _als.History[^1];
        _als = new ActivePointer(previous, _als.History[..^1]);
        await repository.WriteActiveAsync(kind, _als);
        activeModels.Set(kind, previous);
        RegistryLog.Activated(logger, kind, previous, "rollback");
        return new(true, $"{kind} rolled back to {previous}", previous);
    }

    public ValueTask<string?> GetActiveAsync(string kind) =>
        ValueTask.FromResult(kind == ModelManifest.AlsKind ? _als.Active : null);

    public async ValueTask ReportTrainingAsync(TrainingJob job)
    {
        if (_jobs.TryGetValue(job.JobId, out var known) && known.State != TrainingState.Running) return; // late progress
        if (job.State == TrainingState.Succeeded && job.PromoteIfBetter && job.Version is { } version)
        {
            var (promote, reason) = await ShouldPromoteAsync(job);
            if (promote) await ActivateAsync(version, pushCurrent: true);
            job = job with { Promoted = promote, Message = job.Message + "; " + reason };
        }
        Remember(job);
    }

    private async Task<(bool Promote, string Reason)> ShouldPromoteAsync(TrainingJob job)
    {
        if (_als.Active is null) return (true, "promoted: no model was active");
        var stored = await repository.ListAsync();
        var active = stored.FirstOrDefault(m => m.Manifest.Version == _als.Active);
        if (active is null) return (true, $"promoted: the active version {_als.Active} is missing from the store");
        var candidate = job.Metrics?.GetValueOrDefault("recall@10") ?? 0;
        var current = active.Manifest.Metrics.GetValueOrDefault("recall@10");
        var tolerance = options.Value.PromoteTolerance;
        var text = string.Create(CultureInfo.InvariantCulture, $"recall@10 {candidate:F4} vs active {current:F4} (tolerance {tolerance})");
        return candidate >= current - tolerance ? (true, "promoted: " + text) : (false, "not promoted: " + text);
    }

    private async Task ActivateAsync(string version, bool pushCurrent)
    {
        var history = pushCurrent && _als.Active is { } current ? [.. _als.History, current] : _als.History;
        _als = new ActivePointer(version, history.Length > 50 ? history[^50..] : history);
        await repository.WriteActiveAsync(ModelManifest.AlsKind, _als);
        activeModels.Set(ModelManifest.AlsKind, version);
        repository.Evict(new HashSet<string>(StringComparer.Ordinal) { version });
        RegistryLog.Activated(logger, ModelManifest.AlsKind, version, "promotion");
    }

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
