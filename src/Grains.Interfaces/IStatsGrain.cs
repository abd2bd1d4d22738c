using Osr.Orleans.Models.Metrics;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Cluster-wide counters. Each silo counts locally (lock-free) and reports its deltas here
/// about once a second, so the hot path never calls this grain.
/// </summary>
[Alias("osr.IStatsGrain")]
public interface IStatsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds a silo's counter deltas (may be empty) and its ingest-lag bucket deltas (<see cref="LagBuckets"/> counts,
    /// null when none), and records its current gauges.
    /// </summary>
    [Alias("Report")]
    ValueTask ReportAsync(string siloId, CounterSet delta, SiloGauges gauges, long[]? lagDelta = null);

    [Alias("Get")]
    ValueTask<ClusterStats> GetAsync();

    /// <summary>
    /// Starts or renews a live view of the counters for <paramref name="lease"/> (clamped to 1 s – 2 min): while it lasts
    /// the grain publishes <see cref="ClusterStats"/> every <see cref="LiveStreams.StatsInterval"/> on stream
    /// (<see cref="LiveStreams.Stats"/>, <see cref="GrainKeys.Global"/>). Returns when the lease ends.
    /// </summary>
    [Alias("Watch")]
    ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease);
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
    [property: Id(3)] DateTimeOffset AsOf,
    [property: Id(4)] SiloGauges[] SiloHealth,
    [property: Id(5)] LagPercentiles? IngestLag = null);

/// <summary>
/// A silo's resource gauges at <see cref="At"/>: managed heap after the last GC, process
/// working set, active user and device grains on the silo, and connected MQTT devices.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.silo-gauges")]
public sealed record SiloGauges(
    [property: Id(0)] string SiloId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] long HeapBytes,
    [property: Id(3)] long WorkingSetBytes,
    [property: Id(4)] int ActiveUsers,
    [property: Id(5)] int ActiveDevices,
    [property: Id(6)] int MqttConnections);
