using System.Globalization;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// Trains the propensity model on the thread pool, outside any grain turn: reads every sent
/// decision from the decision log with the features as they were at decision time, labels it
/// accepted when the user converted (acted on the offer); opened only, dismissed, delivered only
/// or no feedback = not accepted — opening measures curiosity, converting is the outcome the
/// push is for, trains and evaluates on a time split (<see cref="PropensityTrainer"/>), saves
/// the model and reports to the registry.
/// </summary>
public sealed partial class PropensityTrainingService(
    IDecisionLog decisions,
    IEventStore events,
    ModelRepository repository,
    IGrainFactory grains,
    OsrClock clock,
    ILogger<PropensityTrainingService> logger)
{
    public void Start(TrainingJob job) => _ = Task.Run(() => RunAsync(job, CancellationToken.None), CancellationToken.None);

    internal async Task<TrainingJob> RunAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        try
        {
            var examples = new List<DecisionExample>();
            await foreach (var d in decisions.ReadSentDecisionsAsync(0, long.MaxValue, cancellationToken))
            {
                var accepted = d.Feedback.Contains(FeedbackAction.Converted);
                examples.Add(new DecisionExample(d.Decision.DecidedUtcTicks, DecisionFeatures.ParseLabel(d.Decision.Label),
                    DecisionFeatures.ToVector(d.Decision.Features), d.Decision.Category, accepted,
                    d.Decision.SendProbability > 0 ? d.Decision.SendProbability : 1));
            }
            var items = await events.ReadItemsAsync(cancellationToken);
            var categories = items.Select(i => i.Category).Concat(examples.Select(e => e.Category))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var createdAt = clock.UtcNow;
            var version = "p-" + createdAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + job.JobId[^6..];
            Log.Started(logger, job.JobId, examples.Count);
            var model = await Task.Run(() => PropensityTrainer.Train(examples, categories, version, createdAt, cancellationToken: cancellationToken), cancellationToken);
            await repository.SavePropensityAsync(model);
            var m = model.Manifest;
            return await FinishAsync(registry, job with
            {
                State = TrainingState.Succeeded,
                Version = version,
                Iteration = job.Iterations,
                Metrics = new Dictionary<string, double>(m.Metrics, StringComparer.Ordinal),
                Message = string.Create(CultureInfo.InvariantCulture,
                    $"trained on {m.Examples:N0} logged pushes ({m.Positives:N0} converted) with {m.Trainer}"),
            });
        }
        catch (Exception ex)
        {
            Log.Failed(logger, ex, job.JobId);
            var message = ex is ArgumentException ? "not enough outcome data: " + ex.Message : ex.Message;
            return await FinishAsync(registry, job with { State = TrainingState.Failed, Message = message });
        }
    }

    private async Task<TrainingJob> FinishAsync(IModelRegistryGrain registry, TrainingJob job)
    {
        var finished = job with { FinishedAt = clock.UtcNow };
        await registry.ReportTrainingAsync(finished);
        return finished;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1311, Level = LogLevel.Information, Message = "Propensity training job {JobId}: {Examples} logged pushes")]
        public static partial void Started(ILogger logger, string jobId, int examples);

        [LoggerMessage(EventId = 1312, Level = LogLevel.Error, Message = "Propensity training job {JobId} failed")]
        public static partial void Failed(ILogger logger, Exception exception, string jobId);
    }
}
