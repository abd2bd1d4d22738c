using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;
using static Osr.Orleans.UnitTests.Scoring.PlantedCells;

namespace Osr.Orleans.UnitTests.Scoring;

/// <summary>
/// The refit (MAP + diagonal Laplace over the kept outcomes) against outcomes drawn from a receptivity planted in the
/// tests (<see cref="PlantedCells"/>): it attributes the outcomes to the cells better than one ADF update per outcome, a
/// full window folds without losing what it learned, and the result is a posterior the model restores.
/// </summary>
public sealed class PropensityRefitTests
{
    /// <summary>Learns <paramref name="count"/> planted outcomes into <paramref name="model"/> and <paramref name="refit"/>.</summary>
    private static void Feed(OnlinePropensity model, PropensityRefit? refit, int count, int seed)
    {
        var rng = new Random(seed);
        Span<ulong> keys = stackalloc ulong[OnlinePropensity.CellCount];
        for (var k = 0; k < count; k++)
        {
            var label = Labels[rng.Next(Labels.Length)];
            var category = Categories[rng.Next(Categories.Length)];
            var context = State(label, 6 + rng.NextDouble() * 15);
            var outcome = rng.NextDouble() < Truth(label, category);
            OnlinePropensity.Cells(in context, category, PropensityHead.Conversion, keys);
            model.Learn(keys, PropensityHead.Conversion, outcome);
            refit?.Add(keys, outcome, model.WeightOf(PropensityHead.Conversion));
        }
    }

    /// <summary>Mean KL divergence (nats) of the posterior median from the truth over the cells and the hours 6–21.</summary>
    private static double Divergence(OnlinePropensity model)
    {
        double sum = 0;
        var n = 0;
        foreach (var label in Labels)
            foreach (var category in Categories)
                for (var hour = 7.5; hour < 21; hour += 3)
                {
                    var p = Truth(label, category);
                    var q = OnlinePropensity.Sigmoid(model.Logit(State(label, hour), category).Mean);
                    sum += p * Math.Log(p / q) + (1 - p) * Math.Log((1 - p) / (1 - q));
                    n++;
                }
        return sum / n;
    }

    [Fact]
    public void RefitAttributesOutcomesToTheirCellsBetterThanAdfAlone()
    {
        var options = OnlinePropensityOptions.Default;
        var adf = new OnlinePropensity(options);
        var refit = new PropensityRefit(options, 10_000);
        Feed(adf, refit, 4000, seed: 3);
        var fitted = OnlinePropensity.Restore(refit.Fit(adf), options);

        // Mean KL over the cells and hours (measured at this seed: ADF 0.0076, refit 0.0058 nats).
        var adfDivergence = Divergence(adf);
        var fitDivergence = Divergence(fitted);
        fitDivergence.Should().BeLessThan(0.01, "the MAP fit of 4 000 outcomes puts the cells near their planted rates");
        fitDivergence.Should().BeLessThan(adfDivergence * 0.9, "ADF splits each update by prior variance; the fit attributes it");
        fitted.StateVersion.Should().Be(adf.StateVersion + 1);
        fitted.Updates(PropensityHead.Conversion).Should().Be(4000);
    }

    [Fact]
    public void CellsWithOutcomesNarrowAndUnseenCellsKeepTheirPrior()
    {
        var options = OnlinePropensityOptions.Default;
        var model = new OnlinePropensity(options);
        var refit = new PropensityRefit(options, 1000);
        Feed(model, refit, 500, seed: 4);
        var fitted = OnlinePropensity.Restore(refit.Fit(model), options);

        var seen = fitted.Logit(State(ActivityLabel.Rest, 12), "posts").Variance;
        var prior = new OnlinePropensity(options).Logit(State(ActivityLabel.Rest, 12), "posts").Variance;
        seen.Should().BeLessThan(prior / 2);
        // A category never pushed keeps the prior of its own cells; only the shared cells have learned.
        var unseen = fitted.Logit(State(ActivityLabel.Rest, 12), "recipes").Variance;
        unseen.Should().BeGreaterThan(seen).And.BeLessThan(prior);
    }

    [Fact]
    public void AFullWindowFoldsItsOlderHalfIntoThePriorAndKeepsWhatItLearned()
    {
        var options = OnlinePropensityOptions.Default;
        var small = new OnlinePropensity(options);
        var smallRefit = new PropensityRefit(options, 400);
        var large = new OnlinePropensity(options);
        var largeRefit = new PropensityRefit(options, 10_000);
        Feed(small, smallRefit, 3000, seed: 7);
        Feed(large, largeRefit, 3000, seed: 7);

        smallRefit.Count.Should().BeLessThanOrEqualTo(400);
        var folded = OnlinePropensity.Restore(smallRefit.Fit(small), options);
        var whole = OnlinePropensity.Restore(largeRefit.Fit(large), options);
        foreach (var label in Labels)
            foreach (var category in Categories)
                folded.Mean(State(label, 12), category).Should().BeApproximately(whole.Mean(State(label, 12), category), 0.05,
                    $"{label} × {category}: folding keeps what the dropped outcomes taught");
        Divergence(folded).Should().BeLessThan(0.01);
    }

    [Fact]
    public void AFitIsDueEveryTenthOfTheWindowAndAtLeastEvery25Outcomes()
    {
        var options = OnlinePropensityOptions.Default;
        var model = new OnlinePropensity(options);
        var refit = new PropensityRefit(options, 10_000);
        Feed(model, refit, PropensityRefit.MinBetweenFits - 1, seed: 1);
        refit.Due.Should().BeFalse();
        Feed(model, refit, 1, seed: 2);
        refit.Due.Should().BeTrue();
        refit.Fit(model);
        refit.SinceFit.Should().Be(0);
        Feed(model, refit, 1000, seed: 3);
        refit.Fit(model);
        Feed(model, refit, 100, seed: 4);
        refit.Due.Should().BeFalse("a tenth of 1 125 outcomes is 112");
        Feed(model, refit, 20, seed: 5);
        refit.Due.Should().BeTrue();
    }

    [Fact]
    public void AnEmptyWindowGivesBackItsBaseAndBadInputIsRefused()
    {
        var options = OnlinePropensityOptions.Default;
        var model = new OnlinePropensity(options);
        Feed(model, null, 300, seed: 9);
        var refit = new PropensityRefit(options, 100, model.Snapshot());
        var same = refit.Fit(model);
        same.Keys.Should().BeEquivalentTo(model.Snapshot().Keys);
        var restored = OnlinePropensity.Restore(same, options);
        restored.Mean(State(ActivityLabel.Rest, 12), "posts").Should().Be(model.Mean(State(ActivityLabel.Rest, 12), "posts"));

        var act = () => refit.Add(new ulong[3], true, 1);
        act.Should().Throw<ArgumentException>();
        refit.Add(new ulong[OnlinePropensity.CellCount], true, 0);
        refit.Count.Should().Be(0, "an outcome of weight 0 teaches nothing");
        var tooSmall = () => new PropensityRefit(options, 10);
        tooSmall.Should().Throw<ArgumentOutOfRangeException>();
    }
}
