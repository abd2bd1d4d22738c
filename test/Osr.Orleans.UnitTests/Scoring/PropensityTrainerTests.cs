using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Client.Simulation;
using System.Diagnostics;
using Microsoft.ML;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;
using Xunit.Abstractions;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class PropensityTrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void ServedScoreEqualsMlNetPrediction()
    {
        // Oracle: ML.NET itself — the trained pipeline saved in model.zip, reloaded with
        // MLContext.Model.Load and run through a PredictionEngine (its calibrated Probability
        // column). Tolerance 1e-5 (the served model rounds the Platt parameters to float and sums
        // the dot product in a different order).
        var model = ScoringTestKit.Trained;
        model.MlNetModel.Should().NotBeNull();
        var ml = new MLContext(seed: 1);
        using var stream = new MemoryStream(model.MlNetModel!);
        var transformer = ml.Model.Load(stream, out _);
        var engine = ml.Model.CreatePredictionEngine<PropensityRow, ScoringTestKit.MlPrediction>(
            transformer, inputSchemaDefinition: PropensityTrainer.InputSchema(model.Featurizer.Dimension));

        var inputs = PlantedReceptivity.Generate(200, seed: 99, ScoringTestKit.Start);
        var worst = 0.0;
        foreach (var example in inputs)
        {
            var expected = engine.Predict(PropensityTrainer.ToRow(example, model.Featurizer, options: null)).Probability;
            var served = model.Score(example.Input);
            served.Should().BeApproximately(expected, 1e-5);
            worst = Math.Max(worst, Math.Abs(served - expected));
        }

        output.WriteLine($"max |served − ML.NET| over 200 inputs: {worst:E2}");
    }

    [Fact]
    public void PlantedReceptivityIsRecovered()
    {
        var model = ScoringTestKit.Trained;
        var m = model.Manifest.Metrics;
        output.WriteLine(string.Join(", ", m.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value:G5}")));

        // The planted world's own P(accept) on the same held-out split bounds what any model can reach.
        var test = ScoringTestKit.Planted.OrderBy(e => e.DecidedUtcTicks).TakeLast((int)m["examples.test"]).ToArray();
        var planted = test.Select(e => PlantedReceptivity.Probability(e.Label, e.Category, e.Features)).ToArray();
        var labels = test.Select(e => e.Accepted).ToArray();
        output.WriteLine($"planted probabilities on the held-out split: auc={PropensityMetrics.AucOf(planted, labels):F4} logloss={PropensityMetrics.LogLossOf(planted, labels):F4}");

        m["auc"].Should().BeGreaterThanOrEqualTo(0.70);
        m["auc.mlnet"].Should().BeApproximately(m["auc"], 1e-3);
        (m["logloss.mlnet"] * Math.Log(2)).Should().BeApproximately(m["logloss"], 1e-4, "ML.NET reports log-loss in bits");
        m["logloss"].Should().BeLessThan(m["baseline.logloss"] - 0.02);
        m["examples.test"].Should().Be(4000);
        model.Manifest.Examples.Should().Be(16_000);
        model.Manifest.Kind.Should().Be("propensity");
        model.Manifest.Categories.Should().Equal(PlantedReceptivity.Categories);
        model.Manifest.Weights.Should().HaveCount(model.Featurizer.Dimension);
        model.Manifest.FromUtcTicks.Should().Be(ScoringTestKit.Planted.Min(e => e.DecidedUtcTicks));
        model.Manifest.ToUtcTicks.Should().Be(ScoringTestKit.Planted.Max(e => e.DecidedUtcTicks));
        model.Manifest.Trainer.Should().StartWith("ml.net sdca-logistic-regression");
    }

    [Fact]
    public void DrinksScoreHigherAfterAWorkoutThanAsleep()
    {
        var model = ScoringTestKit.Trained;
        var postWorkout = new PropensityInput(ActivityLabel.PostWorkout, ScoringTestKit.State(ActivityLabel.PostWorkout, 18.5, 15), "drinks");
        var asleep = new PropensityInput(ActivityLabel.Sleep, ScoringTestKit.State(ActivityLabel.Sleep, 3, 600), "drinks");
        var restEvening = new PropensityInput(ActivityLabel.Rest, ScoringTestKit.State(ActivityLabel.Rest, 19.5, 600), "drinks");

        var (p, s, r) = (model.Score(postWorkout), model.Score(asleep), model.Score(restEvening));
        output.WriteLine($"drinks: post-workout {p:F3} (planted 0.45), rest evening {r:F3} (0.08), sleep {s:F3} (0.01)");
        p.Should().BeGreaterThan(0.3);
        s.Should().BeLessThan(0.05);
        p.Should().BeGreaterThan(r);
    }

    [Fact]
    public void RecipesFlipTheOrderAtRestInTheEvening()
    {
        var model = ScoringTestKit.Trained;
        var postWorkout = new PropensityInput(ActivityLabel.PostWorkout, ScoringTestKit.State(ActivityLabel.PostWorkout, 18.5, 15), "recipes");
        var restEvening = new PropensityInput(ActivityLabel.Rest, ScoringTestKit.State(ActivityLabel.Rest, 19.5, 600), "recipes");

        var (p, r) = (model.Score(postWorkout), model.Score(restEvening));
        output.WriteLine($"recipes: rest evening {r:F3} (planted 0.48), post-workout {p:F3} (0.13)");
        r.Should().BeGreaterThan(p + 0.15);
    }

    [Fact]
    public void CompareTrainers()
    {
        // The measurement behind the default (PropensityTrainer remarks): same data, split and
        // weights, each trainer with ML.NET's default regularisation, one thread. The SDCA side is
        // the shared default model.
        var sdca = ScoringTestKit.Trained.Manifest.Metrics;
        var stopwatch = Stopwatch.StartNew();
        var lbfgs = PropensityTrainer.Train(
            ScoringTestKit.Planted, PlantedReceptivity.Categories, "compare-lbfgs", ScoringTestKit.CreatedAt,
            PropensityTrainerOptions.Default with { Algorithm = PropensityAlgorithm.Lbfgs }).Manifest.Metrics;
        stopwatch.Stop();
        output.WriteLine($"Sdca:  auc={sdca["auc"]:F4} logloss={sdca["logloss"]:F4} (baseline {sdca["baseline.logloss"]:F4}) fit={sdca["seconds.train"]:F2}s (first fit in the process: includes JIT)");
        output.WriteLine($"Lbfgs: auc={lbfgs["auc"]:F4} logloss={lbfgs["logloss"]:F4} (baseline {lbfgs["baseline.logloss"]:F4}) fit={lbfgs["seconds.train"]:F2}s total={stopwatch.Elapsed.TotalSeconds:F2}s");

        lbfgs["auc"].Should().BeGreaterThan(0.70);
        sdca["auc"].Should().BeGreaterThan(lbfgs["auc"], "SDCA is the default because it ranks better on the planted data");
        sdca["logloss"].Should().BeLessThan(lbfgs["logloss"]);
    }

    [Fact]
    public void UnweightedTrainingAlsoWorks()
    {
        var model = PropensityTrainer.Train(
            ScoringTestKit.Planted.Take(3000).ToArray(), PlantedReceptivity.Categories, "unweighted", ScoringTestKit.CreatedAt,
            PropensityTrainerOptions.Default with { InversePropensityWeights = false });
        model.Manifest.Trainer.Should().EndWith("unweighted");
        model.Manifest.Metrics["auc"].Should().BeGreaterThan(0.6);
    }

    [Fact]
    public void TooFewExamplesAreRefused()
    {
        var examples = PlantedReceptivity.Generate(19, seed: 1, ScoringTestKit.Start);
        var act = () => PropensityTrainer.Train(examples, PlantedReceptivity.Categories, "v", ScoringTestKit.CreatedAt);
        act.Should().Throw<ArgumentException>().WithMessage("*at least 20 examples*got 19*");
    }

    [Fact]
    public void OneClassOnlyIsRefused()
    {
        var declined = PlantedReceptivity.Generate(100, seed: 1, ScoringTestKit.Start).Select(e => e with { Accepted = false }).ToArray();
        var act = () => PropensityTrainer.Train(declined, PlantedReceptivity.Categories, "v", ScoringTestKit.CreatedAt);
        act.Should().Throw<ArgumentException>().WithMessage("*training split*only declined outcomes*");

        // Positives only among the oldest 80 %: the held-out split has one class.
        var mixedTrainOnly = declined.Select((e, i) => i < 40 && i % 2 == 0 ? e with { Accepted = true } : e).ToArray();
        act = () => PropensityTrainer.Train(mixedTrainOnly, PlantedReceptivity.Categories, "v", ScoringTestKit.CreatedAt);
        act.Should().Throw<ArgumentException>().WithMessage("*held-out split*only declined outcomes*");
    }

    [Fact]
    public void PriorVersionAndBadArgumentsAreRefused()
    {
        var examples = PlantedReceptivity.Generate(100, seed: 1, ScoringTestKit.Start);
        FluentActions.Invoking(() => PropensityTrainer.Train(examples, PlantedReceptivity.Categories, "prior", ScoringTestKit.CreatedAt))
            .Should().Throw<ArgumentException>().WithMessage("*reserved*");
        FluentActions.Invoking(() => PropensityTrainer.Train(examples, PlantedReceptivity.Categories, "v", ScoringTestKit.CreatedAt, testFraction: 1))
            .Should().Throw<ArgumentOutOfRangeException>();
        var zeroProbability = examples.Select((e, i) => i == 3 ? e with { SendProbability = 0 } : e).ToArray();
        FluentActions.Invoking(() => PropensityTrainer.Train(zeroProbability, PlantedReceptivity.Categories, "v", ScoringTestKit.CreatedAt))
            .Should().Throw<ArgumentException>().WithMessage("*Example 3*SendProbability*");
    }

    [Fact]
    public void CancelledTrainingThrows()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var act = () => PropensityTrainer.Train(ScoringTestKit.Planted, PlantedReceptivity.Categories, "v", ScoringTestKit.CreatedAt, cancellationToken: cts.Token);
        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        var examples = ScoringTestKit.Planted.Take(1000).ToArray();
        var a = PropensityTrainer.Train(examples, PlantedReceptivity.Categories, "a", ScoringTestKit.CreatedAt, seed: 3);
        var b = PropensityTrainer.Train(examples.Reverse().ToArray(), PlantedReceptivity.Categories, "b", ScoringTestKit.CreatedAt, seed: 3);
        b.Manifest.Weights.Should().Equal(a.Manifest.Weights);
        b.Manifest.Bias.Should().Be(a.Manifest.Bias);
    }
}
