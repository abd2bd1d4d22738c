namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The model registry (key <see cref="GrainKeys.Global"/>): which model versions exist, which
/// one is active per kind, training jobs, promotion gated on metrics and roll-back. Training
/// runs outside grain turns (a silo service) and reports back here.
/// </summary>
[Alias("osr.IModelRegistryGrain")]
public interface IModelRegistryGrain : IGrainWithStringKey
{
    /// <summary>Starts training <paramref name="kind"/> (or returns the job already running for it).</summary>
    [Alias("StartTraining")]
    ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter);

    [Alias("GetJob")]
    ValueTask<TrainingJob?> GetJobAsync(string jobId);

    /// <summary>Every stored version of every kind, newest first.</summary>
    [Alias("List")]
    ValueTask<ModelVersionView[]> ListAsync();

    [Alias("Promote")]
    ValueTask<RegistryResult> PromoteAsync(string kind, string version);

    /// <summary>Re-activates the version that was active before the current one.</summary>
    [Alias("Rollback")]
    ValueTask<RegistryResult> RollbackAsync(string kind);

    [Alias("GetActive")]
    ValueTask<string?> GetActiveAsync(string kind);

    /// <summary>
    /// Off-policy estimates (IPS, SNIPS, DR) of conversion per push for propensity
    /// <paramref name="version"/> and for the active version, from the decision log; with
    /// <paramref name="promoteIfBetter"/>, activates <paramref name="version"/> when its DR lower
    /// bound exceeds the active version's DR estimate.
    /// </summary>
    [Alias("EvaluatePropensity")]
    ValueTask<PropensityEvaluation> EvaluatePropensityAsync(string version, bool promoteIfBetter);

    /// <summary>
    /// Deletes stored versions beyond the newest <paramref name="keep"/> of each kind, never the active one or the one a
    /// roll-back returns to (the retention job, <c>Osr:Retention:ModelVersions</c>); the number deleted.
    /// </summary>
    [Alias("PruneVersions")]
    ValueTask<int> PruneVersionsAsync(int keep);

    /// <summary>Progress and outcome of a training job (called by the training service).</summary>
    [Alias("ReportTraining")]
    ValueTask ReportTrainingAsync(TrainingJob job);
}

public enum TrainingState { Running, Succeeded, Failed }

[GenerateSerializer, Immutable, Alias("osr.training-job")]
public sealed record TrainingJob(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Kind,
    [property: Id(2)] TrainingState State,
    [property: Id(3)] bool PromoteIfBetter,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] int Iteration,
    [property: Id(6)] int Iterations,
    [property: Id(7)] double? Loss,
    [property: Id(8)] string Message,
    [property: Id(9)] string? Version,
    [property: Id(10)] bool Promoted,
    [property: Id(11)] DateTimeOffset? FinishedAt,
    [property: Id(12)] Dictionary<string, double>? Metrics);

[GenerateSerializer, Immutable, Alias("osr.model-version-view")]
public sealed record ModelVersionView(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Version,
    [property: Id(2)] bool Active,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] Dictionary<string, double> Metrics,
    [property: Id(5)] int Users,
    [property: Id(6)] int Items,
    [property: Id(7)] long Interactions);

[GenerateSerializer, Immutable, Alias("osr.registry-result")]
public sealed record RegistryResult(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string Message,
    [property: Id(2)] string? ActiveVersion);
