using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class PropensityModelTests
{
    [Fact]
    public void PriorScoresEveryInputAtOneHalf()
    {
        var prior = PropensityModel.Prior;
        prior.Version.Should().Be("prior");
        prior.IsPrior.Should().BeTrue();
        prior.Manifest.Kind.Should().Be("propensity");
        PropensityModel.PriorProbability.Should().Be(0.5);

        var inputs = PlantedReceptivity.Generate(200, seed: 3, ScoringTestKit.Start).Select(e => e.Input)
            .Append(new PropensityInput(ActivityLabel.Sleep, FeatureVector.Unknown, "never-seen"))
            .Append(default)
            .ToArray();
        inputs.Select(i => prior.Score(i)).Should().OnlyContain(p => p == 0.5);
        var batch = new double[inputs.Length];
        prior.ScoreBatch(inputs, batch);
        batch.Should().OnlyContain(p => p == 0.5);
    }

    [Fact]
    public void PriorManifestAlsoScoresOneHalfWhenServedAsWeights()
    {
        // The prior is a zero-weight model: σ(1·0 + 0) = 0.5 even without the IsPrior shortcut.
        var manifest = PropensityModel.Prior.Manifest with { Version = "zero" };
        var model = PropensityModel.FromManifest(manifest);
        model.IsPrior.Should().BeFalse();
        model.Score(new PropensityInput(ActivityLabel.Rest, FeatureVector.Unknown, "x")).Should().Be(0.5);
    }

    [Fact]
    public void ScoreBatchEqualsScore()
    {
        var model = ScoringTestKit.Trained;
        var inputs = PlantedReceptivity.Generate(300, seed: 5, ScoringTestKit.Start).Select(e => e.Input).ToArray();
        var batch = new double[inputs.Length];
        model.ScoreBatch(inputs, batch);
        batch.Should().Equal(inputs.Select(i => model.Score(i)));
        batch.Should().OnlyContain(p => p > 0 && p < 1);
        FluentActions.Invoking(() => model.ScoreBatch(inputs, new double[2])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void ScoreIsTheDocumentedFormula()
    {
        // Oracle: p = σ(A·(w·x + b) + B) evaluated directly in double from the manifest.
        var model = ScoringTestKit.Trained;
        var m = model.Manifest;
        var x = new float[model.Featurizer.Dimension];
        foreach (var example in PlantedReceptivity.Generate(50, seed: 11, ScoringTestKit.Start))
        {
            model.Featurizer.Encode(example.Input, x);
            var s = m.Bias + x.Select((v, i) => (double)v * m.Weights[i]).Sum();
            var expected = 1 / (1 + Math.Exp(-((m.PlattA * s) + m.PlattB)));
            model.Score(example.Input).Should().BeApproximately(expected, 1e-6);
        }
    }

    [Fact]
    public void ScoreDoesNotAllocate()
    {
        var model = ScoringTestKit.Trained;
        var input = new PropensityInput(ActivityLabel.PostWorkout, ScoringTestKit.State(ActivityLabel.PostWorkout, 18, 10), "drinks");
        var inputs = new[] { input, input with { Category = "gear" } };
        var batch = new double[2];
        var sum = 0.0;
        for (var i = 0; i < 100; i++)
        {
            sum += model.Score(input);
            model.ScoreBatch(inputs, batch);
        }

        Allocations.Least(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                sum += model.Score(input);
                model.ScoreBatch(inputs, batch);
            }
        }).Should().Be(0);
        sum.Should().BePositive();
    }

    [Fact]
    public void InconsistentManifestsAreRefused()
    {
        var good = ScoringTestKit.Trained.Manifest;
        FluentActions.Invoking(() => PropensityModel.FromManifest(good with { Weights = good.Weights[..^1] }))
            .Should().Throw<ArgumentException>().WithMessage("*116 weights*6 categories need 117*");
        FluentActions.Invoking(() => PropensityModel.FromManifest(good with { Kind = "als" }))
            .Should().Throw<ArgumentException>().WithMessage("*kind 'als'*");
        FluentActions.Invoking(() => PropensityModel.FromManifest(good with { Bias = float.NaN }))
            .Should().Throw<ArgumentException>().WithMessage("*finite*");
        FluentActions.Invoking(() => PropensityModel.FromManifest(good with { Categories = ["a", "a"] }))
            .Should().Throw<ArgumentException>().WithMessage("*appears twice*");
    }
}
