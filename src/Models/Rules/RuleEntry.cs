namespace Osr.Orleans.Models.Rules;

/// <summary>One admin override: <paramref name="Key"/> set to <paramref name="Value"/> (normalised text form) at <paramref name="Scope"/>.</summary>
[GenerateSerializer, Immutable, Alias("osr.rule-entry")]
public sealed record RuleEntry(
    [property: Id(0)] string Key,
    [property: Id(1)] RuleScope Scope,
    [property: Id(2)] string Value);
