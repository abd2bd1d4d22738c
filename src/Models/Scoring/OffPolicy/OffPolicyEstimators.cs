namespace Osr.Orleans.Models.Scoring.OffPolicy;

/// <summary>
/// Off-policy value estimators over n logged decisions (<see cref="OffPolicySample"/>, wᵢ = π(aᵢ|xᵢ)/μ(aᵢ|xᵢ)),
/// each with a normal-approximation confidence interval from the estimator's own variance:
/// <list type="bullet">
/// <item>IPS (inverse propensity scoring, Horvitz–Thompson): V̂ = (1/n) Σ wᵢ rᵢ; unbiased when μ &gt; 0 wherever π &gt; 0;
/// se = s(wᵢ rᵢ)/√n, s the sample standard deviation;</item>
/// <item>SNIPS (self-normalised IPS, Swaminathan &amp; Joachims 2015): V̂ = Σ wᵢ rᵢ / Σ wᵢ; consistent, slightly biased,
/// far less variable when weights are large; se by the delta method, se² = Σ wᵢ² (rᵢ − V̂)² / (Σ wᵢ)²;</item>
/// <item>DR (doubly robust, Dudík, Langford &amp; Li 2011): V̂ = (1/n) Σ [v̂ᵢ + wᵢ (rᵢ − ŷᵢ)]; unbiased when μ is right
/// (whatever the reward model), and low-variance when ŷ is close to the truth; se = s(termᵢ)/√n;</item>
/// <item>effective sample size ESS = (Σ wᵢ)² / Σ wᵢ² (Kish): n for uniform weights, small when a few weights dominate.</item>
/// </list>
/// The normal interval is chosen over the bootstrap because it costs one pass and is exact enough
/// at the sample sizes where a decision is taken (its coverage is tested on planted logs); it is
/// optimistic when the ESS is small (tens), which is why the ESS is reported next to it.
/// Pure functions; none allocates.
/// </summary>
public static class OffPolicyEstimators
{
    /// <summary>z of a two-sided 95 % normal interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>IPS: V̂ = (1/n) Σ wᵢ rᵢ.</summary>
    public static OffPolicyEstimate Ips(ReadOnlySpan<OffPolicySample> samples, double z = Z95)
    {
        Validate(samples);
        var mean = 0.0;
        foreach (var s in samples)
        {
            mean += s.Weight * s.Reward;
        }

        mean /= samples.Length;
        var squares = 0.0;
        foreach (var s in samples)
        {
            var d = (s.Weight * s.Reward) - mean;
            squares += d * d;
        }

        return OffPolicyEstimate.FromNormal(mean, StandardErrorOfMean(squares, samples.Length), z);
    }

    /// <summary>SNIPS: V̂ = Σ wᵢ rᵢ / Σ wᵢ (0 with se 0 when Σ wᵢ = 0: the policy never takes a logged action).</summary>
    public static OffPolicyEstimate SelfNormalizedIps(ReadOnlySpan<OffPolicySample> samples, double z = Z95)
    {
        Validate(samples);
        double weights = 0, weighted = 0;
        foreach (var s in samples)
        {
            weights += s.Weight;
            weighted += s.Weight * s.Reward;
        }

        if (weights <= 0)
        {
            return OffPolicyEstimate.FromNormal(0, 0, z);
        }

        var value = weighted / weights;
        var squares = 0.0;
        foreach (var s in samples)
        {
            var d = s.Weight * (s.Reward - value);
            squares += d * d;
        }

        return OffPolicyEstimate.FromNormal(value, Math.Sqrt(squares) / weights, z);
    }

    /// <summary>DR: V̂ = (1/n) Σ [v̂ᵢ + wᵢ (rᵢ − ŷᵢ)]. With ŷ = v̂ = 0 it is IPS.</summary>
    public static OffPolicyEstimate DoublyRobust(ReadOnlySpan<OffPolicySample> samples, double z = Z95)
    {
        Validate(samples);
        var mean = 0.0;
        foreach (var s in samples)
        {
            mean += Term(s);
        }

        mean /= samples.Length;
        var squares = 0.0;
        foreach (var s in samples)
        {
            var d = Term(s) - mean;
            squares += d * d;
        }

        return OffPolicyEstimate.FromNormal(mean, StandardErrorOfMean(squares, samples.Length), z);

        static double Term(in OffPolicySample s) => s.TargetPredicted + (s.Weight * (s.Reward - s.Predicted));
    }

    /// <summary>ESS = (Σ wᵢ)² / Σ wᵢ² (0 when every weight is 0). Range: 0 ≤ ESS ≤ n.</summary>
    public static double EffectiveSampleSize(ReadOnlySpan<OffPolicySample> samples)
    {
        Validate(samples);
        double sum = 0, squares = 0;
        foreach (var s in samples)
        {
            var w = s.Weight;
            sum += w;
            squares += w * w;
        }

        return squares > 0 ? sum * sum / squares : 0;
    }

    /// <summary>s/√n with s² = Σ (xᵢ − x̄)² / (n − 1); 0 for n = 1.</summary>
    private static double StandardErrorOfMean(double squares, int n) => n > 1 ? Math.Sqrt(squares / (n - 1) / n) : 0;

    private static void Validate(ReadOnlySpan<OffPolicySample> samples)
    {
        if (samples.IsEmpty)
        {
            throw new ArgumentException("Off-policy estimates need at least one logged decision.", nameof(samples));
        }

        for (var i = 0; i < samples.Length; i++)
        {
            var s = samples[i];
            if (!(s.LoggingProbability > 0 && s.LoggingProbability <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(samples), s.LoggingProbability, $"Sample {i}: the logging probability must be in (0, 1].");
            }

            if (!(s.TargetProbability >= 0 && s.TargetProbability <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(samples), s.TargetProbability, $"Sample {i}: the target probability must be in [0, 1].");
            }

            if (!double.IsFinite(s.Reward) || !double.IsFinite(s.Predicted) || !double.IsFinite(s.TargetPredicted))
            {
                throw new ArgumentOutOfRangeException(nameof(samples), $"Sample {i}: reward and predictions must be finite.");
            }
        }
    }
}
