namespace Osr.Orleans.Models.Rules;

/// <summary>
/// The rules in force for one (user, item) pair after resolving every key most-specific-first
/// (<see cref="RuleSet.Resolve"/>). <see cref="ThresholdFrom"/> is the scope the threshold came
/// from (<see cref="RuleScopeKind.Global"/> for the global override or the default).
/// </summary>
public readonly record struct EffectiveRules(
    double Threshold,
    TimeSpan GapSimilar,
    int CapDay,
    int CapWeek,
    TimeOnly QuietStart,
    TimeOnly QuietEnd,
    TimeSpan ReeligibleAfter,
    double SimilarCosine,
    TimeSpan StalenessMax,
    double ExploreRate,
    OptOutState OptOut,
    RuleScopeKind ThresholdFrom)
{
    /// <summary>The documented defaults (docs/architecture.md "Notification rules"), no opt-out.</summary>
    public static EffectiveRules Defaults { get; } = new(
        Threshold: 0.75,
        GapSimilar: TimeSpan.FromHours(6),
        CapDay: 3,
        CapWeek: 10,
        QuietStart: new TimeOnly(22, 0),
        QuietEnd: new TimeOnly(7, 0),
        ReeligibleAfter: TimeSpan.FromHours(72),
        SimilarCosine: 0.8,
        StalenessMax: TimeSpan.FromMinutes(5),
        ExploreRate: 0.05,
        OptOut: default,
        ThresholdFrom: RuleScopeKind.Global);

    /// <summary>Set when the threshold was learned (budget-aware sending) rather than set by an administrator: how it was learned.</summary>
    public string? ThresholdLearned { get; init; }
}
