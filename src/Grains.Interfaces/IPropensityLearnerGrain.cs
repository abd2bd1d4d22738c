using Orleans.Concurrency;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The cluster's one online propensity learner (key <see cref="GrainKeys.Global"/>): learns every
/// push outcome as it is joined to its decision, keeps the posterior in grain storage, and hands
/// silos a copy of it to score with.
/// </summary>
[Alias("osr.IPropensityLearnerGrain")]
public interface IPropensityLearnerGrain : IGrainWithStringKey
{
    /// <summary>Learns outcomes (fire and forget: the caller's turn does not wait for the learner).</summary>
    [OneWay, Alias("Learn")]
    Task LearnAsync(PropensityOutcome[] outcomes);

    /// <summary>The posterior, or null when its version is still <paramref name="knownVersion"/>.</summary>
    [Alias("GetPosterior")]
    ValueTask<OnlinePropensityState?> GetPosteriorAsync(long knownVersion);
}

/// <summary>One outcome of a push: the state at decision time, the category, which head and whether it happened.</summary>
[GenerateSerializer, Immutable, Alias("osr.propensity-outcome")]
public sealed record PropensityOutcome(
    [property: Id(0)] string Label,
    [property: Id(1)] double[] Features,
    [property: Id(2)] string? Segment,
    [property: Id(3)] string Category,
    [property: Id(4)] PropensityHead Head,
    [property: Id(5)] bool Happened);
