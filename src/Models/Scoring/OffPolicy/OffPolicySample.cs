namespace Osr.Orleans.Models.Scoring.OffPolicy;

/// <summary>
/// One logged decision as off-policy estimators see it: context xᵢ, logged action aᵢ, reward rᵢ.
/// <list type="bullet">
/// <item><see cref="LoggingProbability"/> μ(aᵢ|xᵢ) ∈ (0, 1]: the probability with which the logging policy chose aᵢ;</item>
/// <item><see cref="TargetProbability"/> π(aᵢ|xᵢ) ∈ [0, 1]: the probability with which the evaluated policy would choose aᵢ;</item>
/// <item><see cref="Reward"/> rᵢ (e.g. 1 = converted, 0 = not);</item>
/// <item><see cref="Predicted"/> ŷ(xᵢ, aᵢ): a reward model's prediction for the logged action (0 when there is none);</item>
/// <item><see cref="TargetPredicted"/> v̂ᵢ = Σₐ π(a|xᵢ) ŷ(xᵢ, a): the reward model's value of the evaluated policy at xᵢ.</item>
/// </list>
/// The importance weight is wᵢ = π(aᵢ|xᵢ) / μ(aᵢ|xᵢ).
/// </summary>
public readonly record struct OffPolicySample(
    double LoggingProbability,
    double TargetProbability,
    double Reward,
    double Predicted = 0,
    double TargetPredicted = 0)
{
    /// <summary>wᵢ = π(aᵢ|xᵢ) / μ(aᵢ|xᵢ).</summary>
    public double Weight => TargetProbability / LoggingProbability;
}

/// <summary>
/// A point estimate with its standard error and a two-sided normal-approximation confidence
/// interval [V̂ − z·se, V̂ + z·se] (z = 1.959964 for 95 %).
/// </summary>
public readonly record struct OffPolicyEstimate(double Value, double StandardError, double Lower, double Upper)
{
    /// <summary>V̂ ± z·se.</summary>
    public static OffPolicyEstimate FromNormal(double value, double standardError, double z) =>
        new(value, standardError, value - (z * standardError), value + (z * standardError));

    /// <summary>Every field multiplied by c &gt; 0 (e.g. per decision → per push).</summary>
    public OffPolicyEstimate Scale(double c) => new(Value * c, StandardError * c, Lower * c, Upper * c);

    /// <summary>True when <paramref name="value"/> lies in [Lower, Upper].</summary>
    public bool Covers(double value) => value >= Lower && value <= Upper;
}
