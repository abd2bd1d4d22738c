namespace Osr.Orleans.Models.Scoring.OffPolicy;

/// <summary>
/// One decision opportunity from the decision log where only the OSR threshold decided (every
/// hard rule — opt-out, quiet hours, gaps, caps, re-eligibility, staleness — let it through):
/// a logged push, or a candidate the threshold held back.
/// </summary>
/// <param name="Sent">The logging policy pushed it.</param>
/// <param name="RuleSend">Sent because it passed the threshold (SendProbability 1), not explored.</param>
/// <param name="SendProbability">μ(send|x): 1 for a rule send, the exploration rate for an explored push or a held candidate. Range: (0, 1].</param>
/// <param name="AffinityZ">a, the ALS affinity standardised over the pass's candidates (logged raw / logged propensity).</param>
/// <param name="Converted">The push was converted (false when not sent).</param>
public readonly record struct LoggedOpportunity(bool Sent, bool RuleSend, double SendProbability, double AffinityZ, bool Converted);

/// <summary>Off-policy estimates of one policy's conversion per push, and how much the log says about it.</summary>
/// <param name="Decisions">n, decision opportunities evaluated.</param>
/// <param name="LoggedPushes">Pushes the logging policy made among them.</param>
/// <param name="LoggedConversions">Conversions of those pushes.</param>
/// <param name="PushRate">ρ = (1/n) Σ π(send|xᵢ): the evaluated policy's expected pushes per decision (known, not estimated).</param>
/// <param name="Ips">IPS conversion per push (per-decision value / ρ).</param>
/// <param name="SelfNormalizedIps">SNIPS conversion per push.</param>
/// <param name="DoublyRobust">DR conversion per push.</param>
/// <param name="EffectiveSampleSize">(Σ wᵢ)² / Σ wᵢ² over the n decisions.</param>
public sealed record PushPolicyValue(
    int Decisions,
    int LoggedPushes,
    int LoggedConversions,
    double PushRate,
    OffPolicyEstimate Ips,
    OffPolicyEstimate SelfNormalizedIps,
    OffPolicyEstimate DoublyRobust,
    double EffectiveSampleSize);
