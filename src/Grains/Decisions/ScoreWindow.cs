using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Decisions;

/// <summary>
/// This silo's view of the recent raw OSR scores (docs/architecture.md "The OSR score": min and max
/// over a 24 h window across the cluster). Scoring adds to and reads from the local window
/// only; once a second the window is exchanged with <see cref="IScoreWindowGrain"/> and the
/// cluster's merged window merged back (min/max merging is idempotent), off the hot path.
/// </summary>
public sealed partial class ScoreWindow(IGrainFactory grains, ILogger<ScoreWindow> logger) : BackgroundService
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public const int Buckets = 24;
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly RawScoreWindow _window = new(Window, Buckets);

    public void Add(double raw, long utcTicks) => _window.Add(raw, utcTicks);

    public bool TryGetRange(long nowUtcTicks, out double min, out double max) => _window.TryGetRange(nowUtcTicks, out min, out max);

    public async Task ExchangeAsync()
    {
        var merged = await grains.GetGrain<IScoreWindowGrain>(GrainKeys.Global).ExchangeAsync(_window.Snapshot());
        _window.Merge(merged);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failures = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ExchangeAsync();
                    failures = 0;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (failures++ % 60 == 0) ExchangeFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "Could not exchange the raw score window; scoring uses this silo's window")]
    private static partial void ExchangeFailed(ILogger logger, Exception exception);
}
