namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Off-policy evaluation of a propensity version against the active one, from the decision log
/// (<see cref="IModelRegistryGrain.EvaluatePropensityAsync"/>). <see cref="Ok"/> false: nothing was
/// evaluated or changed; <see cref="BadInput"/> says whether the caller asked for something that
/// does not exist (unknown version) rather than the log being unusable.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.propensity-evaluation")]
public sealed record PropensityEvaluation(
    [property: Id(0)] bool Ok,
    [property: Id(1)] bool BadInput,
    [property: Id(2)] string Message,
    [property: Id(3)] PolicyValueView? Candidate,
    [property: Id(4)] PolicyValueView? Active,
    [property: Id(5)] int Decisions,
    [property: Id(6)] int LoggedPushes,
    [property: Id(7)] int LoggedConversions,
    [property: Id(8)] double ExploreFloor,
    [property: Id(9)] bool Promoted,
    [property: Id(10)] string? ActiveVersion);

/// <summary>Conversion per push of one propensity version's push policy (docs/notifications.md "Off-policy evaluation").</summary>
[GenerateSerializer, Immutable, Alias("osr.policy-value")]
public sealed record PolicyValueView(
    [property: Id(0)] string Version,
    [property: Id(1)] double PushRate,
    [property: Id(2)] OpeEstimateView Ips,
    [property: Id(3)] OpeEstimateView SelfNormalizedIps,
    [property: Id(4)] OpeEstimateView DoublyRobust,
    [property: Id(5)] double EffectiveSampleSize);

/// <summary>A point estimate, its standard error and its 95 % interval.</summary>
[GenerateSerializer, Immutable, Alias("osr.ope-estimate")]
public sealed record OpeEstimateView(
    [property: Id(0)] double Value,
    [property: Id(1)] double StandardError,
    [property: Id(2)] double Lower,
    [property: Id(3)] double Upper);
