using Osr.Orleans.Models.Scoring.OffPolicy;

namespace Osr.Orleans.UnitTests.Scoring.OffPolicy;

public sealed class OffPolicyEstimatorsTests
{
    // A 4-decision log, (μ, π, r): w = π/μ = 2, 1, 0.5, 1.
    private static readonly OffPolicySample[] HandLog =
    [
        new(0.5, 1.0, 1),
        new(1.0, 1.0, 0),
        new(0.2, 0.1, 1),
        new(0.4, 0.4, 0),
    ];

    [Fact]
    public void SelfNormalizedIpsMatchesHandComputation()
    {
        // Σ wr = 2·1 + 1·0 + 0.5·1 + 1·0 = 2.5; Σ w = 4.5; V = 2.5 / 4.5 = 5/9 = 0.555556.
        // se² = Σ w²(r − V)² / (Σ w)² = [4·(4/9)² + 1·(5/9)² + 0.25·(4/9)² + 1·(5/9)²] / 20.25
        //     = (64 + 25 + 4 + 25)/81 / 20.25 = (118/81) / 20.25, se = 0.268217.
        var e = OffPolicyEstimators.SelfNormalizedIps(HandLog);
        e.Value.Should().BeApproximately(5.0 / 9, 1e-12);
        e.StandardError.Should().BeApproximately(Math.Sqrt(118.0 / 81) / 4.5, 1e-12);
        e.StandardError.Should().BeApproximately(0.268217, 1e-6);
        e.Lower.Should().BeApproximately((5.0 / 9) - (1.959964 * 0.268217), 1e-5);
    }

    [Fact]
    public void IpsMatchesHandComputation()
    {
        // Terms wr = 2, 0, 0.5, 0: mean 0.625; deviations 1.375, −0.625, −0.125, −0.625;
        // s² = (1.890625 + 0.390625 + 0.015625 + 0.390625) / 3 = 0.895833; se = √(s²/4) = 0.473242.
        var e = OffPolicyEstimators.Ips(HandLog);
        e.Value.Should().BeApproximately(0.625, 1e-12);
        e.StandardError.Should().BeApproximately(0.473242, 1e-6);
        e.Upper.Should().BeApproximately(0.625 + (OffPolicyEstimators.Z95 * e.StandardError), 1e-12);
    }

    [Fact]
    public void EffectiveSampleSizeMatchesHandComputation()
    {
        // w = 2, 1, 0.5, 1: (Σw)² / Σw² = 4.5² / (4 + 1 + 0.25 + 1) = 20.25 / 6.25 = 3.24.
        OffPolicyEstimators.EffectiveSampleSize(HandLog).Should().BeApproximately(3.24, 1e-12);

        // Uniform weights: ESS = n. One weight only: ESS = 1. No weight: 0.
        OffPolicyEstimators.EffectiveSampleSize([new(0.5, 0.5, 0), new(0.3, 0.3, 1), new(1, 1, 0)]).Should().BeApproximately(3, 1e-12);
        OffPolicyEstimators.EffectiveSampleSize([new(0.1, 1, 0), new(0.5, 0, 1), new(1, 0, 0)]).Should().BeApproximately(1, 1e-12);
        OffPolicyEstimators.EffectiveSampleSize([new(0.1, 0, 0), new(0.5, 0, 1)]).Should().Be(0);
    }

    [Fact]
    public void DoublyRobustEqualsIpsWhenTheRewardModelIsZero()
    {
        var random = new Random(3);
        var samples = Enumerable.Range(0, 500)
            .Select(_ => new OffPolicySample(0.05 + (0.95 * random.NextDouble()), random.NextDouble(), random.Next(2)))
            .ToArray();

        var dr = OffPolicyEstimators.DoublyRobust(samples);
        var ips = OffPolicyEstimators.Ips(samples);

        dr.Value.Should().BeApproximately(ips.Value, 1e-12);
        dr.StandardError.Should().BeApproximately(ips.StandardError, 1e-12);
        ips.Value.Should().BeGreaterThan(0);
    }

    [Fact]
    public void DoublyRobustWithAPerfectRewardModelHasOnlyTheRewardNoise()
    {
        // One context, π = μ: DR = v̂ + mean(r − ŷ); with ŷ = v̂ = the true mean the terms are r − ŷ + v̂ = r.
        OffPolicySample[] samples = [new(0.5, 0.5, 1, 0.5, 0.25), new(0.5, 0.5, 0, 0.5, 0.25)];
        // terms: 0.25 + 1·(1 − 0.5) = 0.75 and 0.25 + 1·(0 − 0.5) = −0.25: mean 0.25.
        OffPolicyEstimators.DoublyRobust(samples).Value.Should().BeApproximately(0.25, 1e-12);
    }

    [Fact]
    public void BadSamplesAreRefused()
    {
        var empty = () => OffPolicyEstimators.Ips([]);
        empty.Should().Throw<ArgumentException>();
        var noLogging = () => OffPolicyEstimators.Ips([new(0, 1, 1)]);
        noLogging.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*logging probability*");
        var badTarget = () => OffPolicyEstimators.SelfNormalizedIps([new(0.5, 1.5, 1)]);
        badTarget.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*target probability*");
        var nan = () => OffPolicyEstimators.DoublyRobust([new(0.5, 0.5, double.NaN)]);
        nan.Should().Throw<ArgumentOutOfRangeException>();
    }
}
