using Osr.Orleans.Models.Scoring.OffPolicy;
using Xunit.Abstractions;

namespace Osr.Orleans.UnitTests.Scoring.OffPolicy;

public sealed class PushPolicyEvaluationTests(ITestOutputHelper output)
{
    [Fact]
    public void ThresholdPolicySendsAsManyAsTheLogDidChoosingByAffinityTimesPropensity()
    {
        // a = 1, 2, −1, 0.5; p′ = 0.5, 0.1, 0.9, 0.8 → raw′ = 0.5, 0.2, −0.9, 0.4.
        // Two rule sends in the log → the two highest raw′ (0 and 3) get 1, the others ε = 0.1.
        LoggedOpportunity[] log =
        [
            new(true, true, 1, 1, false),
            new(true, true, 1, 2, true),
            new(false, false, 0.1, -1, false),
            new(true, false, 0.1, 0.5, false),
        ];
        var pi = new double[4];

        PushPolicyEvaluation.ThresholdPolicy(log, [0.5, 0.1, 0.9, 0.8], 0.1, pi);

        pi.Should().Equal(1, 0.1, 0.1, 1);
    }

    [Fact]
    public void ConversionPerPushMatchesHandComputation()
    {
        // o0 rule send, converted, π = 1:     push, μ = 1,   π = 1,   w = 1,  r = 1
        // o1 rule send, not converted, π = ε: push, μ = 1,   π = 0.1, w = 0.1, r = 0
        // o2 held (μ = 0.1), π = ε:           hold, μ = 0.9, π = 0.9, w = 1,  r = 0
        // o3 explored (μ = 0.1), converted, π = 1: push, μ = 0.1, π = 1, w = 10, r = 1
        // ρ = (1 + 0.1 + 0.1 + 1)/4 = 0.55.
        // IPS: V = (1 + 0 + 0 + 10)/4 = 2.75 → per push 2.75/0.55 = 5 (a tiny log: IPS is unbounded).
        // SNIPS: Σwr/Σw = 11/12.1 = 0.909091 → per push 1.652893.
        // DR with q̂ = 0.5 everywhere: terms v̂ + w(r − ŷ):
        //   o0 0.5 + 1·0.5 = 1; o1 0.05 + 0.1·(−0.5) = 0; o2 0.05 + 1·0 = 0.05; o3 0.5 + 10·0.5 = 5.5
        //   V = 6.55/4 = 1.6375 → per push 2.977273.
        // ESS = 12.1² / (1 + 0.01 + 1 + 100) = 146.41 / 102.01 = 1.435251.
        LoggedOpportunity[] log =
        [
            new(true, true, 1, 1, true),
            new(true, true, 1, 1, false),
            new(false, false, 0.1, 1, false),
            new(true, false, 0.1, 1, true),
        ];

        var value = PushPolicyEvaluation.Evaluate(log, [1, 0.1, 0.1, 1], [0.5, 0.5, 0.5, 0.5]);

        value.Decisions.Should().Be(4);
        value.LoggedPushes.Should().Be(3);
        value.LoggedConversions.Should().Be(2);
        value.PushRate.Should().BeApproximately(0.55, 1e-12);
        value.Ips.Value.Should().BeApproximately(5, 1e-12);
        value.SelfNormalizedIps.Value.Should().BeApproximately(1.652893, 1e-6);
        value.DoublyRobust.Value.Should().BeApproximately(2.977273, 1e-6);
        value.EffectiveSampleSize.Should().BeApproximately(1.435251, 1e-6);
    }

    [Fact]
    public void LoggingPolicyEvaluatedOnItsOwnLogIsItsObservedConversionPerPush()
    {
        // π = μ: every weight is 1; SNIPS per push = conversions / pushes exactly.
        LoggedOpportunity[] log =
        [
            new(true, true, 1, 1, true),
            new(true, true, 1, 0.3, false),
            new(false, false, 0.2, -1, false),
            new(true, false, 0.2, -0.4, true),
            new(false, false, 0.2, 0.1, false),
        ];
        double[] pi = [1, 1, 0.2, 0.2, 0.2];

        var value = PushPolicyEvaluation.Evaluate(log, pi, new double[5]);

        // ρ = 2.6/5 = 0.52; SNIPS V = Σwr/Σw = 2/5 = 0.4 → per push 0.4/0.52 = 0.769231 (expected
        // pushes 2.6, expected conversions 2); observed: 2 conversions of 3 pushes in this draw.
        value.SelfNormalizedIps.Value.Should().BeApproximately(0.4 / 0.52, 1e-12);
        value.Ips.Value.Should().BeApproximately(0.4 / 0.52, 1e-12);
        value.EffectiveSampleSize.Should().BeApproximately(5, 1e-12);
    }

    [Fact]
    public void EstimatesCoverTheTrueValueOfAKnownPolicyInMostSeededRuns()
    {
        // Planted world (test code only): 6 labels × 4 categories, receptivity q(label, category)
        // between 0.01 and 0.40, affinity a ~ N(0, 1). Logging policy: the neutral prior (p = 0.5),
        // rule send when a ≥ 0.8, otherwise explored with ε = 0.1. Target policy: the planted q as
        // the propensity model, through PushPolicyEvaluation.ThresholdPolicy (same push budget).
        // True conversion per push given the logged contexts: Σ πᵢ qᵢ / Σ πᵢ (computable because q
        // is known). DR's reward model is q biased by +0.05 (a wrong model must not break DR).
        // 100 seeds × 4,000 decisions; a 95 % interval should cover ~95 times: assert ≥ 85.
        var q = new double[6, 4];
        var world = new Random(42);
        for (var l = 0; l < 6; l++)
        {
            for (var c = 0; c < 4; c++)
            {
                q[l, c] = 0.01 + (0.39 * world.NextDouble() * world.NextDouble());
            }
        }

        int ips = 0, snips = 0, dr = 0;
        double essSum = 0;
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(1000 + seed);
            const int n = 4000;
            var log = new LoggedOpportunity[n];
            var truthQ = new double[n];
            var targetP = new double[n];
            var predicted = new double[n];
            for (var i = 0; i < n; i++)
            {
                var label = random.Next(6);
                var category = random.Next(4);
                var a = Gaussian(random);
                var qi = q[label, category];
                var rule = a >= 0.8;
                var sent = rule || random.NextDouble() < 0.1;
                var converted = sent && random.NextDouble() < qi;
                log[i] = new LoggedOpportunity(sent, rule, rule ? 1 : 0.1, a, converted);
                truthQ[i] = qi;
                targetP[i] = qi;
                predicted[i] = Math.Min(1, qi + 0.05);
            }

            var pi = new double[n];
            PushPolicyEvaluation.ThresholdPolicy(log, targetP, 0.1, pi);
            double pushes = 0, conversions = 0;
            for (var i = 0; i < n; i++)
            {
                pushes += pi[i];
                conversions += pi[i] * truthQ[i];
            }

            var truth = conversions / pushes;
            var value = PushPolicyEvaluation.Evaluate(log, pi, predicted);
            ips += value.Ips.Covers(truth) ? 1 : 0;
            snips += value.SelfNormalizedIps.Covers(truth) ? 1 : 0;
            dr += value.DoublyRobust.Covers(truth) ? 1 : 0;
            essSum += value.EffectiveSampleSize;
        }

        output.WriteLine($"covered of 100: IPS {ips}, SNIPS {snips}, DR {dr}; mean ESS {essSum / 100:F0} of 4000");
        ips.Should().BeGreaterThanOrEqualTo(85);
        snips.Should().BeGreaterThanOrEqualTo(85);
        dr.Should().BeGreaterThanOrEqualTo(85);
        (essSum / 100).Should().BeLessThan(4000).And.BeGreaterThan(100);
    }

    [Fact]
    public void BadInputIsRefused()
    {
        LoggedOpportunity[] held = [new(false, false, 1, 0, false)];
        var certainHold = () => PushPolicyEvaluation.Evaluate(held, [0.1], [0]);
        certainHold.Should().Throw<ArgumentOutOfRangeException>();
        LoggedOpportunity[] one = [new(true, true, 1, 0, false)];
        var lengths = () => PushPolicyEvaluation.Evaluate(one, [1, 1], [0]);
        lengths.Should().Throw<ArgumentException>();
        var floor = () => PushPolicyEvaluation.ThresholdPolicy(one, [0.5], 0, new double[1]);
        floor.Should().Throw<ArgumentOutOfRangeException>();
        var never = () => PushPolicyEvaluation.Evaluate(one, [0], [0]);
        never.Should().Throw<ArgumentException>().WithMessage("*never sends*");
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
