using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Live;
using Osr.Orleans.Models.Metrics;
using Orleans.Streams;

namespace Osr.Orleans.Grains;

[GenerateSerializer, Alias("osr.stats-state")]
public sealed record class StatsState
{
    [Id(0)] public Dictionary<string, long> Totals { get; set; } = [];
    [Id(1)] public HashSet<string> Silos { get; set; } = [];
    [Id(2)] public DateTimeOffset Since { get; set; }
}

/// <summary>
/// Sums the counter deltas every silo reports (about once a second). Checkpointed like a user's
/// filters (<see cref="DeferredCheckpoint"/>: about <see cref="StateOptions.CheckpointInterval"/>
/// after a change, in a report's turn or at the scheduler's request, and on deactivation), so a crash loses at most that interval of statistics
/// (never any data), however the traffic stops.
/// </summary>
public sealed class StatsGrain(
    [PersistentState("stats", StorageNames.Default)] IPersistentState<StatsState> state,
    CheckpointScheduler checkpoints,
    OsrClock time) : Grain, IStatsGrain, ICheckpointFlushGrain, ICheckpointWriter
{
    private static readonly TimeSpan SiloSilentAfter = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, SiloGauges> _gauges = [];
    private readonly LagWindow _lag = new(); // the last minute only: not checkpointed
    private DeferredCheckpoint? _checkpoint;
    private WatchLease _watch;
    private IGrainTimer? _publisher;

    private DeferredCheckpoint Checkpoint => _checkpoint ??= new DeferredCheckpoint(this, checkpoints);

    Task ICheckpointWriter.WriteCheckpointAsync() => state.WriteStateAsync();

    public Task FlushCheckpointAsync() => _checkpoint?.FlushAsync() ?? Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Since == default) state.State.Since = time.UtcNow;
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        Checkpoint.OnDeactivateAsync(reason);

    public ValueTask ReportAsync(string siloId, CounterSet delta, SiloGauges gauges, long[]? lagDelta = null)
    {
        _gauges[siloId] = gauges;
        if (lagDelta is not null) _lag.Add(time.UtcNow.ToUnixTimeSeconds(), lagDelta);
        if (delta.Counters.Count == 0) return ValueTask.CompletedTask;
        var totals = state.State.Totals;
        foreach (var (name, value) in delta.Counters)
            totals[name] = totals.GetValueOrDefault(name) + value;
        state.State.Silos.Add(siloId);
        Checkpoint.MarkDirty();
        return Checkpoint.WriteIfDueAsync();
    }

    /// <remarks>
    /// A grain timer publishes while the lease lives and disposes itself when it lapses, so with nobody watching
    /// the grain does nothing more than before.
    /// </remarks>
    public ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease)
    {
        var until = _watch.Renew(time.UtcTicks, lease);
        if (_publisher is null)
        {
            var stream = this.GetStreamProvider(LiveStreams.Provider).GetStream<ClusterStats>(StreamId.Create(LiveStreams.Stats, GrainKeys.Global));
            _publisher = this.RegisterGrainTimer(() => PublishAsync(stream), new GrainTimerCreationOptions(TimeSpan.Zero, LiveStreams.StatsInterval));
        }
        return ValueTask.FromResult(new DateTimeOffset(until, TimeSpan.Zero));

        async Task PublishAsync(IAsyncStream<ClusterStats> stream)
        {
            if (!_watch.IsLive(time.UtcTicks))
            {
                _publisher?.Dispose();
                _publisher = null;
                return;
            }
            await stream.OnNextAsync(await GetAsync());
        }
    }

    public ValueTask<ClusterStats> GetAsync()
    {
        var now = time.UtcNow;
        foreach (var silo in _gauges.Values.Where(g => now - g.At > SiloSilentAfter).ToList()) _gauges.Remove(silo.SiloId);
        return ValueTask.FromResult(new ClusterStats(
            new CounterSet(new Dictionary<string, long>(state.State.Totals)),
            [.. state.State.Silos.Order()],
            state.State.Since,
            now,
            [.. _gauges.Values.OrderBy(g => g.SiloId)],
            LagBuckets.Summarize(_lag.Sum(now.ToUnixTimeSeconds()))));
    }
}
