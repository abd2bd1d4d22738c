using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;

namespace Osr.Orleans.Silo.Stats;

/// <summary>
/// Sends this silo's counter deltas to the cluster-wide <see cref="IStatsGrain"/> once a
/// second, off the hot path. A failed report is put back and sent with the next one.
/// </summary>
public sealed partial class StatsReporter(
    IGrainFactory grains,
    IngestCounters counters,
    ILocalSiloDetails silo,
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
        if (counters.TakeDelta() is not { } delta) return;
        try
        {
            await grains.GetGrain<IStatsGrain>(GrainKeys.Global).ReportAsync(silo.SiloAddress.ToParsableString(), delta);
        }
        catch (Exception ex)
        {
            counters.Restore(delta);
            ReportFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Could not report counters to the stats grain; will retry")]
    private static partial void ReportFailed(ILogger logger, Exception exception);
}
