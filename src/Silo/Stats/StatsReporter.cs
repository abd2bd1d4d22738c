using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.Silo.Stats;

/// <summary>
/// Sends this silo's counter deltas to the cluster-wide <see cref="IStatsGrain"/> once a
/// second, off the hot path. A failed report is put back and sent with the next one.
/// </summary>
public sealed partial class StatsReporter(
    IGrainFactory grains,
    IngestCounters counters,
    DecisionCounters decisionCounters,
    ILocalSiloDetails silo,
    ActivationCounter activations,
    IDeviceChannel ingress,
    OsrClock time,
    ILogger<StatsReporter> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time.Provider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await ReportOnceAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await ReportOnceAsync(); // flush the last second before the silo goes down
    }

    internal async Task ReportOnceAsync()
    {
        var ingest = counters.TakeDelta();
        var lag = counters.TakeLagDelta();
        var decisions = new Dictionary<string, long>(StringComparer.Ordinal);
        decisionCounters.TakeDelta(decisions);
        CounterSet? delta = ingest;
        if (decisions.Count > 0)
        {
            if (ingest is not null) foreach (var (name, value) in ingest.Counters) decisions[name] = value;
            delta = new CounterSet(decisions);
        }
        var siloId = silo.SiloAddress.ToParsableString();
        try
        {
            await grains.GetGrain<IStatsGrain>(GrainKeys.Global).ReportAsync(siloId, delta ?? Empty, Gauges(siloId), lag);
        }
        catch (Exception ex)
        {
            if (ingest is not null) counters.Restore(ingest);
            if (lag is not null) counters.RestoreLag(lag);
            if (decisions.Count > 0) decisionCounters.Restore(new CounterSet(decisions));
            ReportFailed(logger, ex);
        }
    }

    private static readonly CounterSet Empty = new([]);

    private SiloGauges Gauges(string siloId)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new SiloGauges(siloId, time.UtcNow, GC.GetGCMemoryInfo().HeapSizeBytes, process.WorkingSet64,
            activations.Users, activations.Devices, ingress.ConnectedDevices);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Could not report counters to the stats grain; will retry")]
    private static partial void ReportFailed(ILogger logger, Exception exception);
}
