using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// A logged decision joined with its outcome: what propensity training (the silo's PropensityTrainer) reads.
/// <paramref name="SendProbability"/> is the probability with which the policy sent it:
/// 1 for rule sends, the exploration rate for explored ones (range (0, 1]); training may weight
/// the example by 1/SendProbability (inverse propensity, capped).
/// </summary>
public sealed record DecisionExample(
    long DecidedUtcTicks,
    ActivityLabel Label,
    FeatureVector Features,
    string Category,
    bool Accepted,
    double SendProbability)
{
    /// <summary>The model input of this example.</summary>
    public PropensityInput Input => new(Label, Features, Category);
}
