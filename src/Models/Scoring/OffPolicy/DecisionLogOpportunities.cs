namespace Osr.Orleans.Models.Scoring.OffPolicy;

/// <summary>
/// Which logged decisions are off-policy evaluation opportunities, and with what logging
/// probability (docs/decisions.md 34). The throttle logs one decision per scoring pass: a push
/// (a rule send, SendProbability 1, or an exploration send, SendProbability = explore.rate) or a
/// suppression with the first failing rule as its reason. Only decisions where the threshold alone
/// decided are opportunities: pushes, and suppressions whose reason is the threshold. A
/// suppression by a hard rule (opt-out, quiet hours, and — being checked after the threshold —
/// nothing else is visible in the reason) is one no policy may overturn, so it is left out.
/// </summary>
public static class DecisionLogOpportunities
{
    /// <summary>
    /// ε, the exploration floor: the median SendProbability of exploration sends that lies in
    /// (0, 1), or <paramref name="fallback"/> when the log has none (a suppressed decision does not
    /// record the chance it had).
    /// </summary>
    public static double ExploreFloor(IEnumerable<double> exploredSendProbabilities, double fallback)
    {
        ArgumentNullException.ThrowIfNull(exploredSendProbabilities);
        if (!(fallback > 0 && fallback < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fallback), fallback, "The fallback exploration floor must be in (0, 1).");
        }

        var valid = exploredSendProbabilities.Where(p => p > 0 && p < 1).Order().ToArray();
        return valid.Length == 0 ? fallback : valid[valid.Length / 2];
    }

    /// <summary>
    /// The opportunity of one logged decision, or null when it is none (held by a hard rule) or
    /// cannot be used (propensity ≤ 0 or non-finite scores: a = raw / propensity is undefined).
    /// A push: μ = its SendProbability (≤ 0 or missing in old logs: 1 for a rule send, ε for an exploration send).
    /// A threshold suppression: μ = ε.
    /// </summary>
    public static LoggedOpportunity? FromLog(
        bool sent, bool explored, bool heldByThreshold, double sendProbability, double raw, double propensity, bool converted, double exploreFloor)
    {
        if (!sent && !heldByThreshold)
        {
            return null;
        }

        if (!(propensity > 0) || !double.IsFinite(propensity) || !double.IsFinite(raw))
        {
            return null;
        }

        var affinity = raw / propensity;
        if (!sent)
        {
            return new LoggedOpportunity(false, false, exploreFloor, affinity, false);
        }

        var mu = sendProbability > 0 && sendProbability <= 1 ? sendProbability : explored ? exploreFloor : 1;
        return new LoggedOpportunity(true, !explored, mu, affinity, converted);
    }
}
