using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using Orleans.Services;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains.Decisions;

/// <summary>A silo's <see cref="RulesCache"/>, reachable from the other silos.</summary>
public interface IRulesCacheService : IGrainService
{
    /// <summary>Installs <paramref name="rules"/> in this silo's cache unless it already holds a newer version.</summary>
    Task InstallAsync([Immutable] RuleSet rules);
}

/// <summary>Runs on every silo (an Orleans <see cref="GrainService"/>) and installs what the rules grain broadcasts.</summary>
[Reentrant]
internal sealed class RulesCacheService(GrainId grainId, global::Orleans.Runtime.Silo silo, ILoggerFactory loggerFactory, RulesCache cache)
    : GrainService(grainId, silo, loggerFactory), IRulesCacheService
{
    public Task InstallAsync(RuleSet rules)
    {
        cache.Set(rules);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Sends a new rule set to every other active silo's <see cref="IRulesCacheService"/> (docs/operations.md,
/// "Rule changes"): one message per silo and change, not waited for. Orleans streams and broadcast channels deliver
/// to grains (one activation per stream, cluster-wide) and to clients, not to each silo, so the per-silo cache is
/// reached through a grain service, the one Orleans part that lives once on every silo.
/// </summary>
public sealed partial class RulesBroadcast(IServiceProvider services, IClusterMembershipService membership, ILocalSiloDetails local,
    ILogger<RulesBroadcast> logger) : GrainServiceClient<IRulesCacheService>(services)
{
    /// <summary>Sends <paramref name="rules"/> to every active silo other than this one; returns how many.</summary>
    public int Send(RuleSet rules)
    {
        var sent = 0;
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Active || member.SiloAddress.Equals(local.SiloAddress)) continue;
            var target = member.SiloAddress;
            _ = GetGrainService(target).InstallAsync(rules).ContinueWith(
                t => SendFailed(logger, t.Exception!.GetBaseException(), rules.Version, target.ToString()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            sent++;
        }
        return sent;
    }

    [LoggerMessage(EventId = 1604, Level = LogLevel.Warning,
        Message = "Rules v{Version} did not reach silo {Silo}; its cache catches up at the next safety refresh")]
    private static partial void SendFailed(ILogger logger, Exception exception, long version, string silo);
}
