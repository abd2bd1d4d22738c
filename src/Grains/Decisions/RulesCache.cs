using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains.Decisions;

/// <summary>
/// This silo's copy of the rule set. It asks the rules grain for the version every
/// <see cref="Interval"/> (a long compare; the set itself is fetched only when the version moved),
/// so a change is in force on every silo within a second while throttles read
/// <see cref="Current"/> without a grain call.
/// </summary>
public sealed partial class RulesCache(IGrainFactory grains, ILogger<RulesCache> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private volatile RuleSet _current = RuleSet.Defaults;

    public RuleSet Current => _current;

    /// <summary>Installs a newer set (the rules grain calls this on its own silo at once).</summary>
    public void Set(RuleSet rules)
    {
        if (rules.Version >= _current.Version) _current = rules;
    }

    public async Task RefreshAsync()
    {
        var grain = grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        var version = await grain.GetVersionAsync();
        if (version != _current.Version) _current = await grain.GetAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failures = 0;
        do
        {
            try
            {
                await RefreshAsync();
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (failures++ % 40 == 0) RefreshFailed(logger, ex);
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken));
    }


    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "Could not refresh the rule set; using version kept")]
    private static partial void RefreshFailed(ILogger logger, Exception exception);
}
