using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Silo.Retention;

/// <summary>
/// At start, asks the cluster's <see cref="IRetentionGrain"/> to keep its reminder in line with this silo's
/// <c>Osr:Retention</c> settings. Every silo asks; the reminder is one, and so is the grain that runs the job.
/// </summary>
public sealed partial class RetentionScheduler(IGrainFactory grains, ILogger<RetentionScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var on = await grains.GetGrain<IRetentionGrain>(GrainKeys.Global).EnsureScheduledAsync().AsTask().WaitAsync(stoppingToken);
            Log.Scheduled(logger, on);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next silo start tries again; the logs only grow meanwhile, nothing is lost.
            Log.Failed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1152, Level = LogLevel.Information, Message = "Retention job scheduled: {On}")]
        public static partial void Scheduled(ILogger logger, bool on);

        [LoggerMessage(EventId = 1153, Level = LogLevel.Warning, Message = "Could not schedule the retention job")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
