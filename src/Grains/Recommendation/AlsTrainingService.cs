using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// Trains ALS models on the thread pool, outside any grain turn (a grain never blocks): reads
/// the interaction log and the catalogue from the event store, trains and evaluates
/// (<see cref="AlsModelBuilder"/>), saves the model directory, and reports progress and the
/// outcome to the registry grain. Scoring is never blocked: serving reads other versions.
/// </summary>
public sealed partial class AlsTrainingService(
    IEventStore events,
    ModelRepository repository,
    IGrainFactory grains,
    IOptions<AlsTrainingOptions> options,
    OsrClock clock,
    ILogger<AlsTrainingService> logger)
{
    /// <summary>Starts <paramref name="job"/> in the background; progress is reported to the registry.</summary>
    public void Start(TrainingJob job, CancellationToken cancellationToken = default) =>
        _ = Task.Run(() => RunAsync(job, cancellationToken), CancellationToken.None);

    internal async Task<TrainingJob> RunAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        var o = options.Value;
        try
        {
            var log = new InteractionLog();
            await foreach (var i in events.ReadInteractionsAsync(0, long.MaxValue, cancellationToken))
                log.Add(i.UserId, i.ItemId, o.WeightOf(i.Action), i.Timestamp);
            if (log.Count == 0)
                return await FinishAsync(registry, job with { State = TrainingState.Failed, Message = "no interactions to train on: import interactions first" });

            var items = await events.ReadItemsAsync(cancellationToken);
            var categories = items.ToDictionary(i => i.ItemId, i => i.Category, StringComparer.Ordinal);
            var segments = await events.ReadUserSegmentsAsync(cancellationToken);
            var progress = new RegistryProgress(registry, job, o.Iterations);
            var createdAt = clock.UtcNow;
            // Time-ordered and unique even for two jobs in the same second.
            var version = ModelStore.NewVersion(createdAt) + "-" + job.JobId[^6..];
            TrainingLog.Started(logger, job.JobId, log.Count, log.Users.Count, log.Items.Count);

            var model = AlsModelBuilder.Build(log, o.ToAlsOptions(),
                new AlsBuildOptions { TestFraction = o.TestFraction, Weighting = "sum of action weights per (user, item): " + string.Join(", ", o.Weights.Select(w => $"{w.Key}={w.Value}")) },
                version, createdAt, categories, u => segments.GetValueOrDefault(u), progress, cancellationToken);
            await repository.SaveAsync(model);
            TrainingLog.Finished(logger, job.JobId, version, model.Manifest.TrainingSeconds);
            return await FinishAsync(registry, job with
            {
                State = TrainingState.Succeeded,
                Version = version,
                Iteration = job.Iterations,
                Metrics = new Dictionary<string, double>(model.Manifest.Metrics, StringComparer.Ordinal),
                Message = $"trained on {model.Manifest.Counts.Interactions:N0} interactions of {model.Manifest.Counts.Users:N0} users and {model.Manifest.Counts.Items:N0} items in {model.Manifest.TrainingSeconds:F1} s",
            });
        }
        catch (Exception ex)
        {
            TrainingLog.Failed(logger, ex, job.JobId);
            return await FinishAsync(registry, job with { State = TrainingState.Failed, Message = ex.Message });
        }
    }

    private async Task<TrainingJob> FinishAsync(IModelRegistryGrain registry, TrainingJob job)
    {
        var finished = job with { FinishedAt = clock.UtcNow };
        await registry.ReportTrainingAsync(finished);
        return finished;
    }

    /// <summary>Forwards iteration progress to the registry (fire-and-forget; progress is advisory).</summary>
    private sealed class RegistryProgress(IModelRegistryGrain registry, TrainingJob job, int iterationsPerRun) : IProgress<AlsProgress>
    {
        private int _runs;
        private int _last;

        public void Report(AlsProgress value)
        {
            // The builder trains twice (evaluation split, then all data): count both runs.
            if (value.Iteration < _last) _runs++;
            _last = value.Iteration;
            var update = job with
            {
                Iteration = _runs * iterationsPerRun + value.Iteration,
                Iterations = 2 * iterationsPerRun,
                Loss = value.Loss,
                Message = _runs == 0 ? "training on the evaluation split" : "training on all data",
            };
            _ = registry.ReportTrainingAsync(update).AsTask();
        }
    }

    private static partial class TrainingLog
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Training job {JobId}: {Interactions} interactions, {Users} users, {Items} items")]
        public static partial void Started(ILogger logger, string jobId, int interactions, int users, int items);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Training job {JobId} produced model {Version} in {Seconds:F1} s")]
        public static partial void Finished(ILogger logger, string jobId, string version, double seconds);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Training job {JobId} failed")]
        public static partial void Failed(ILogger logger, Exception exception, string jobId);
    }
}
