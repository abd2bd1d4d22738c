namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The retention job of the cluster (key <see cref="GrainKeys.Global"/>): one grain, so one silo does the
/// work, woken by a reminder every <c>Osr:Retention:Every</c> while any retention is set.
/// </summary>
[Alias("osr.IRetentionGrain")]
public interface IRetentionGrain : IGrainWithStringKey
{
    /// <summary>Registers the reminder when a retention is set, removes it when none is (every silo calls this at start).</summary>
    [Alias("EnsureScheduled")]
    ValueTask<bool> EnsureScheduledAsync();

    /// <summary>Deletes what is older than each log's retention now, and model versions beyond the kept number; what the reminder runs.</summary>
    [Alias("Run")]
    ValueTask<RetentionRun> RunAsync();
}

/// <summary>What one retention run deleted.</summary>
[GenerateSerializer, Immutable, Alias("osr.retention-run")]
public sealed record RetentionRun(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] long Interactions,
    [property: Id(2)] long Decisions,
    [property: Id(3)] long Feedback,
    [property: Id(4)] int ModelVersions = 0);
