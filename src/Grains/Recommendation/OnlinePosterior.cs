using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// This silo's copy of the online propensity posterior, refreshed from the learner every
/// <see cref="LearningOptions.RefreshInterval"/> (only when it changed), so scoring never calls the
/// learner. The copy is read-only: scorer activations read it concurrently.
/// </summary>
public sealed partial class OnlinePosterior(IGrainFactory grains, IOptions<LearningOptions> options, ILogger<OnlinePosterior> logger) : BackgroundService
{
    private volatile OnlinePropensity _current = new(options.Value.Model);

    /// <summary>The latest posterior this silo has (the prior until the first refresh).</summary>
    public OnlinePropensity Current => _current;

    public async Task RefreshAsync()
    {
        var state = await grains.GetGrain<IPropensityLearnerGrain>(GrainKeys.Global).GetPosteriorAsync(_current.StateVersion);
        if (state is not null) _current = OnlinePropensity.Restore(state, options.Value.Model);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Online) return;
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        do
        {
            try
            {
                await RefreshAsync();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                RefreshFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 1902, Level = LogLevel.Warning, Message = "Refreshing the online propensity posterior failed; scoring keeps the previous copy")]
    private static partial void RefreshFailed(ILogger logger, Exception ex);
}
