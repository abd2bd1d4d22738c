namespace Osr.Orleans.Models.Rules;

/// <summary>
/// What one rule said about one candidate, with a human detail such as
/// "last drinks push 2h10m ago &lt; 6h" or "osr 0.62 &lt; threshold 0.75 (category drinks)".
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.rule-check")]
public readonly record struct RuleCheck(
    [property: Id(0)] RuleName Rule,
    [property: Id(1)] bool Passed,
    [property: Id(2)] string Detail);
