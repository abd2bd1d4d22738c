namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The stream provider and stream namespaces of the live views (docs/operations.md, "Live views"). Silos and the
/// console register the provider under <see cref="Provider"/>; a stream is (namespace, key).
/// </summary>
public static class LiveStreams
{
    /// <summary>The memory stream provider, on every silo and in the console.</summary>
    public const string Provider = "osr-live";

    /// <summary>Grain storage name Orleans uses for stream subscriptions (its default).</summary>
    public const string PubSubStore = "PubSubStore";

    /// <summary><see cref="UserWatchEvent"/>s of one user, keyed by user id.</summary>
    public const string User = "osr.user";

    /// <summary><see cref="ClusterStats"/> about once a second, key <see cref="GrainKeys.Global"/>.</summary>
    public const string Stats = "osr.stats";

    /// <summary>How often a watched user's state is published at most.</summary>
    public static readonly TimeSpan UserSnapshotInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the cluster's counters are published while watched.</summary>
    public static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(1);

    /// <summary>The lease the console asks for; it renews it every third of it.</summary>
    public static readonly TimeSpan ConsoleLease = TimeSpan.FromSeconds(15);
}

/// <summary>What <c>osr-admin user watch</c> receives: a state snapshot, or a decision as it is made (then <see cref="Decision"/> is set).</summary>
[GenerateSerializer, Immutable, Alias("osr.user-watch-event")]
public sealed record UserWatchEvent(
    [property: Id(0)] string UserId,
    [property: Id(1)] DateTimeOffset PublishedAt,
    [property: Id(2)] DateTimeOffset? StateAt,
    [property: Id(3)] string Label,
    [property: Id(4)] EstimateView Estimate,
    [property: Id(5)] long ReadingsApplied,
    [property: Id(6)] DecisionView? Decision);
