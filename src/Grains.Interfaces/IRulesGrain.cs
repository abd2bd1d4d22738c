using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The admin-tuned rule set (key <see cref="GrainKeys.Global"/>), versioned and durable. Every silo
/// caches it; a change is broadcast to the caches (in force everywhere well within a second), and each
/// silo compares <see cref="GetVersionAsync"/> every 30 s in case a broadcast was lost.
/// </summary>
[Alias("osr.IRulesGrain")]
public interface IRulesGrain : IGrainWithStringKey
{
    [Alias("Get")]
    ValueTask<RuleSet> GetAsync();

    [Alias("GetVersion")]
    ValueTask<long> GetVersionAsync();

    /// <summary>Validates and applies one change; on error nothing is applied and the message says why.</summary>
    [Alias("Set")]
    ValueTask<RuleChangeResult> SetAsync(string key, RuleScope scope, string value);
}

[GenerateSerializer, Immutable, Alias("osr.rule-change-result")]
public sealed record RuleChangeResult(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string Message,
    [property: Id(2)] long Version);
