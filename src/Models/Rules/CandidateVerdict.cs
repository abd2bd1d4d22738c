namespace Osr.Orleans.Models.Rules;

/// <summary>
/// The rules' verdict on one candidate: every check in evaluation order, the first failing rule
/// (null when all passed), whether exploration sends it anyway, and the probability that the
/// policy sends a candidate in this situation (1 when the rules pass, the explore rate when only
/// the threshold fails, 0 otherwise), logged for off-policy evaluation.
/// </summary>
public sealed record CandidateVerdict(
    RuleCandidate Candidate,
    EffectiveRules Rules,
    RuleCheck[] Checks,
    RuleName? FailedRule,
    bool Explored,
    double SendProbability)
{
    public bool Send => FailedRule is null || Explored;

    /// <summary>The check of the first failing rule, or null when all passed.</summary>
    public RuleCheck? Failed => FailedRule is { } failed ? Checks[(int)failed] : null;
}
