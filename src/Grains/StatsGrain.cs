using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;

namespace Osr.Orleans.Grains;

[GenerateSerializer, Alias("osr.stats-state")]
public sealed record class StatsState
{
    [Id(0)] public Dictionary<string, long> Totals { get; set; } = [];
    [Id(1)] public HashSet<string> Silos { get; set; } = [];
    [Id(2)] public DateTimeOffset Since { get; set; }
}

/// <summary>
/// Sums the counter deltas every silo reports (about once a second). Persisted at most every
/// few seconds, so a restart loses at most that window of statistics (never any data).
/// </summary>
public sealed class StatsGrain(
    [PersistentState("stats", StorageNames.Default)] IPersistentState<StatsState> state,
    IOptions<StateOptions> stateOptions,
    OsrClock time) : Grain, IStatsGrain
{
    private static readonly TimeSpan PersistEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SiloSilentAfter = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, SiloGauges> _gauges = [];
    private DateTimeOffset _lastPersist;
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Since == default) state.State.Since = time.UtcNow;
        _lastPersist = time.UtcNow;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty && (stateOptions.Value.CheckpointOnShutdown || reason.ReasonCode != DeactivationReasonCode.ShuttingDown))
            await state.WriteStateAsync();
    }

    public async ValueTask ReportAsync(string siloId, CounterSet delta, SiloGauges gauges)
    {
        _gauges[siloId] = gauges;
        if (delta.Counters.Count == 0) return;
        var totals = state.State.Totals;
        foreach (var (name, value) in delta.Counters)
            totals[name] = totals.GetValueOrDefault(name) + value;
        state.State.Silos.Add(siloId);
        _dirty = true;
        var now = time.UtcNow;
        if (now - _lastPersist >= PersistEvery)
        {
            _lastPersist = now;
            await state.WriteStateAsync();
            _dirty = false;
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
            [.. _gauges.Values.OrderBy(g => g.SiloId)]));
    }
}
