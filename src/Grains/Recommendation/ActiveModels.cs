using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// This silo's view of the active model versions, refreshed from the registry once a second,
/// so user grains never call the (single) registry grain on their own path.
/// </summary>
public sealed partial class ActiveModels(IGrainFactory grains, ILogger<ActiveModels> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private volatile string? _als;
    private volatile string? _propensity;

    /// <summary>The active ALS version, or null when none is promoted yet.</summary>
    public string? Als => _als;

    /// <summary>The active propensity version, or <see cref="PropensityModel.PriorVersion"/> before one is promoted.</summary>
    public string Propensity => _propensity ?? PropensityModel.PriorVersion;

    /// <summary>Fetches the active versions now (the registry calls this on promotion too).</summary>
    public async Task RefreshAsync()
    {
        var registry = grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        _als = await registry.GetActiveAsync(ModelManifest.AlsKind);
        _propensity = await registry.GetActiveAsync(PropensityModels.Kind);
    }

    internal void Set(string kind, string? version)
    {
        if (kind == ModelManifest.AlsKind) _als = version;
        else if (kind == PropensityModels.Kind) _propensity = version;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
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
        while (await timer.NextTickOrStopAsync(stoppingToken));
    }


    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Could not refresh the active model versions; will retry")]
    private static partial void RefreshFailed(ILogger logger, Exception exception);
}
