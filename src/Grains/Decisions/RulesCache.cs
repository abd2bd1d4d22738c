using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains.Decisions;

/// <summary>
/// This silo's copy of the rule set, read by the throttles without a grain call (<see cref="Current"/>).
/// A change reaches it by broadcast (<see cref="RulesBroadcast"/>, within milliseconds). At start, and then every
/// <see cref="Interval"/> as a safety net for a broadcast that was lost (a silo that joined while the change was
/// sent, a message dropped while a silo was starting), it asks the rules grain for the version: a long compare,
/// the set itself is fetched only when the version moved.
/// </summary>
public sealed partial class RulesCache(IGrainFactory grains, ILogger<RulesCache> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private volatile RuleSet _current = RuleSet.Defaults;

    public RuleSet Current => _current;

    /// <summary>Installs a newer set (the rules grain on its own silo, the broadcast on the others).</summary>
    public void Set(RuleSet rules)
    {
        // Broadcasts of successive versions may overtake each other; the newer one wins.
        var current = _current;
        while (rules.Version >= current.Version)
        {
            var seen = Interlocked.CompareExchange(ref _current, rules, current);
            if (ReferenceEquals(seen, current)) return;
            current = seen;
        }
    }

    public async Task RefreshAsync()
    {
        var grain = grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        var version = await grain.GetVersionAsync();
        if (version != _current.Version) Set(await grain.GetAsync());
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
                if (failures++ % 10 == 0) RefreshFailed(logger, ex);
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken));
    }


    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "Could not refresh the rule set; using version kept")]
    private static partial void RefreshFailed(ILogger logger, Exception exception);
}
