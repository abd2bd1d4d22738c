namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Cluster-wide counters. Each silo counts locally (lock-free) and reports its deltas here
/// about once a second, so the hot path never calls this grain.
/// </summary>
[Alias("osr.IStatsGrain")]
public interface IStatsGrain : IGrainWithStringKey
{
    [Alias("Report")]
    ValueTask ReportAsync(string siloId, CounterSet delta);

    [Alias("Get")]
    ValueTask<ClusterStats> GetAsync();
}

/// <summary>A set of named counters (e.g. <c>readings.accepted</c>, <c>readings.rejected.too-late</c>).</summary>
[GenerateSerializer, Immutable, Alias("osr.counter-set")]
public sealed record CounterSet([property: Id(0)] Dictionary<string, long> Counters)
{
    public long this[string name] => Counters.TryGetValue(name, out var v) ? v : 0;
}

[GenerateSerializer, Immutable, Alias("osr.cluster-stats")]
public sealed record ClusterStats(
    [property: Id(0)] CounterSet Totals,
    [property: Id(1)] string[] Silos,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] DateTimeOffset AsOf);
