using System.Runtime.InteropServices;
using Osr.Orleans.Models.Recommendation;
using Xunit.Abstractions;
using static Osr.Orleans.UnitTests.Recommendation.RecommendationTestKit;

namespace Osr.Orleans.UnitTests.Recommendation;

public sealed class AlsTrainingTests(ITestOutputHelper output)
{
    private static SyntheticData Small(int seed = 11) => SyntheticInteractions.Generate(new SyntheticOptions
    {
        Users = 400, Items = 150, Interactions = 8000, Topics = 6, Seed = seed,
    });

    [Fact]
    public void LossDecreasesEveryIterationWithTheExactSolver()
    {
        // Each exact half-step minimises L over one block of a convex problem, so L cannot rise
        // (beyond float32 rounding of the stored factors, which is far below the decreases here).
        var data = Small().ToMatrix();
        var progress = new SyncProgress();
        ImplicitAlsTrainer.Train(data, new AlsOptions { Rank = 8, Iterations = 12, Lambda = 0.1, Alpha = 5, Solver = AlsSolver.Cholesky }, progress);
        var losses = progress.Reports.Select(r => r.Loss).ToArray();
        output.WriteLine("loss: " + string.Join(", ", losses.Select(l => l.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))));
        losses.Should().HaveCount(12);
        for (var t = 1; t < losses.Length; t++)
        {
            losses[t].Should().BeLessThan(losses[t - 1], $"iteration {t + 1} must not increase the loss");
        }
    }

    [Fact]
    public void ReportedLossEqualsTheDirectSumOverAllPairs()
    {
        // Oracle: NaiveAlsReference.Loss, Σ over all users × items of c(p − xᵀy)² plus λ‖·‖², in
        // double from the trained float factors. The trainer's Gram-trick loss must agree to 1e-6 relative.
        var data = Small().ToMatrix();
        var options = new AlsOptions { Rank = 8, Iterations = 3, Lambda = 0.3, Alpha = 4 };
        var progress = new SyncProgress();
        var factors = ImplicitAlsTrainer.Train(data, options, progress);
        var direct = NaiveAlsReference.Loss(data, Widen(factors.UserFactors), Widen(factors.ItemFactors), options);
        progress.Reports[^1].Loss.Should().BeApproximately(direct, 1e-6 * direct);
    }

    [Fact]
    public void ExactTrainerFollowsTheNaiveReferenceOverIterations()
    {
        // Oracle: NaiveAlsReference (MathNet, double) from the same initial factors. The trainer
        // stores float32 factors, so the two drift apart by rounding only: 1e-4 absolute after 4 iterations
        // (factor entries are O(0.1–1)).
        var data = Small().ToMatrix();
        var options = new AlsOptions { Rank = 6, Iterations = 4, Lambda = 0.5, Alpha = 3, Solver = AlsSolver.Cholesky };
        var fast = ImplicitAlsTrainer.Train(data, options);
        var (x, y) = NaiveAlsReference.Train(data, options);
        Widen(fast.UserFactors).Should().Equal(x, (a, b) => Math.Abs(a - b) < 1e-4);
        Widen(fast.ItemFactors).Should().Equal(y, (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Theory]
    [InlineData(AlsSolver.ConjugateGradient)]
    [InlineData(AlsSolver.Cholesky)]
    public void SameSeedGivesBitIdenticalFactorsWithOneOrManyThreads(AlsSolver solver)
    {
        var data = SyntheticInteractions.Generate(new SyntheticOptions { Users = 3000, Items = 500, Interactions = 60_000, Seed = 2 }).ToMatrix();
        var options = new AlsOptions { Rank = 16, Iterations = 3, Solver = solver, Seed = 9 };
        var one = ImplicitAlsTrainer.Train(data, options with { MaxDegreeOfParallelism = 1 });
        var many = ImplicitAlsTrainer.Train(data, options with { MaxDegreeOfParallelism = 7 });
        var again = ImplicitAlsTrainer.Train(data, options with { MaxDegreeOfParallelism = 3 });
        Bits(many.UserFactors).Should().Equal(Bits(one.UserFactors));
        Bits(many.ItemFactors).Should().Equal(Bits(one.ItemFactors));
        Bits(again.ItemFactors).Should().Equal(Bits(one.ItemFactors));

        var otherSeed = ImplicitAlsTrainer.Train(data, options with { Seed = 10 });
        Bits(otherSeed.ItemFactors).Should().NotEqual(Bits(one.ItemFactors));
    }

    [Fact]
    public void PlantedFactorsAreRecoveredFarAbovePopularity()
    {
        // Planted rank-16 topic structure + power-law popularity (SyntheticInteractions); per-user
        // time split 20 %. Three rankings of the same held-out items: popularity, ALS, and the
        // oracle that knows the planted factors (score = the generator's probability of item i
        // for user u). Measured recall@10: ALS 0.298, oracle 0.366, popularity 0.155.
        var options = new SyntheticOptions { Users = 4000, Items = 1500, Interactions = 120_000, Topics = 16, Seed = 21 };
        var data = SyntheticInteractions.Generate(options);
        var split = AlsEvaluation.SplitByTime(data.Interactions, 0.2, 5);
        var train = InteractionMatrix.FromInteractions(options.Users, options.Items, split.Train);
        var factors = ImplicitAlsTrainer.Train(train, new AlsOptions { Rank = 16, Iterations = 10, Lambda = 1, Alpha = 10 });
        var als = AlsEvaluation.EvaluateAls(train, split.Test, factors);
        var popularity = AlsEvaluation.EvaluatePopularity(train, split.Test);
        var oracle = AlsEvaluation.Evaluate(train, split.Test, () =>
        {
            var scores = new float[options.Items];
            return (user, exclude, destination) =>
            {
                PlantedScores(data, user, scores);
                return TopN.SelectFromScores(scores, destination, exclude);
            };
        });
        output.WriteLine($"ALS:        {als}");
        output.WriteLine($"popularity: {popularity}");
        output.WriteLine($"oracle:     {oracle}");
        als.Users.Should().BeGreaterThan(3000);
        als.Recall.Should().BeGreaterThan(0.75 * oracle.Recall);
        als.Recall.Should().BeGreaterThan(1.5 * popularity.Recall);
        als.Ndcg.Should().BeGreaterThan(1.5 * popularity.Ndcg);
        als.Coverage.Should().BeGreaterThan(2 * popularity.Coverage);
    }

    /// <summary>P(item | user) of the generator: share·θ_u,t(i)·π_i/Z_t(i) + (1 − share)·π_i/Z.</summary>
    private static void PlantedScores(SyntheticData data, int user, float[] scores)
    {
        var o = data.Options;
        var topicMass = new double[o.Topics];
        for (var i = 0; i < o.Items; i++)
        {
            topicMass[data.ItemTopic[i]] += data.ItemPopularity[i];
        }

        var total = topicMass.Sum();
        for (var i = 0; i < o.Items; i++)
        {
            var t = data.ItemTopic[i];
            var pi = data.ItemPopularity[i];
            scores[i] = (float)((o.TopicShare * data.UserTopics[(user * o.Topics) + t] * pi / topicMass[t]) + ((1 - o.TopicShare) * pi / total));
        }
    }

    [Fact]
    public void InvalidOptionsAreRejectedByName()
    {
        var data = Small().ToMatrix();
        var act = () => ImplicitAlsTrainer.Train(data, new AlsOptions { Lambda = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Lambda");
        act = () => ImplicitAlsTrainer.Train(data, new AlsOptions { Rank = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Rank");
    }

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
