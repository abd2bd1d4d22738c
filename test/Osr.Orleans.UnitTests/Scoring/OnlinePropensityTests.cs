using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;
using static Osr.Orleans.UnitTests.Scoring.PlantedCells;

namespace Osr.Orleans.UnitTests.Scoring;

/// <summary>
/// The online model against outcomes drawn from a receptivity planted in the tests (<see cref="PlantedCells"/>; the product
/// knows nothing of it): its ranking of (state, category) cells converges to the truth, Thompson
/// draws try what is unknown and stop trying what is learned to be bad.
/// </summary>
public sealed class OnlinePropensityTests
{
    [Fact]
    public void RankingOfCellsConvergesToThePlantedTruth()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(11);
        double early = double.NaN;
        for (var k = 1; k <= 8000; k++)
        {
            var label = Labels[rng.Next(Labels.Length)];
            var category = Categories[rng.Next(Categories.Length)];
            var context = State(label, 6 + rng.NextDouble() * 15);
            model.Learn(in context, category, PropensityHead.Conversion, rng.NextDouble() < Truth(label, category));
            if (k == 60) early = RankCorrelation(model);
        }

        var late = RankCorrelation(model);
        late.Should().BeGreaterThan(0.9, "after 8 000 outcomes the cells are ranked as planted");
        late.Should().BeGreaterThan(early, "the ranking improves as outcomes arrive");
        foreach (var label in Labels)
            foreach (var category in Categories)
                // Each cell within 0.12 of the truth: a diagonal posterior over cells that always occur together
                // (bias, category, label × category, the shared label cells …) splits each update by the prior
                // variances, which biases single cells (measured: largest error 0.077 at this seed with 10 cells,
                // 0.108 with the 5 shared cells added); the ranking above is what the decisions use.
                model.Mean(State(label, 12), category).Should().BeApproximately(Truth(label, category), 0.12, $"{label} × {category}");
        model.Updates(PropensityHead.Conversion).Should().Be(8000);
    }

    [Fact]
    public void ThompsonDrawsTryAnUnseenCellAndStopTryingABadOne()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(5);
        var good = State(ActivityLabel.Rest, 10);
        for (var i = 0; i < 400; i++) model.Learn(in good, "posts", PropensityHead.Conversion, rng.NextDouble() < 0.3);

        // "gear" has never been pushed: its draws are wide (and its mean nearer the prior's 0.5), so it
        // wins a good share of them against a known 0.3 — it gets tried.
        Share(model, good, "gear", "posts").Should().BeInRange(0.2, 0.9);

        for (var i = 0; i < 400; i++) model.Learn(in good, "gear", PropensityHead.Conversion, rng.NextDouble() < 0.03);
        Share(model, good, "gear", "posts").Should().BeLessThan(0.01, "a cell learned to be bad is almost never drawn above a good one");
    }

    [Fact]
    public void InteractionCellsCanStartNarrowerThanTheMainEffects()
    {
        var state = State(ActivityLabel.Rest, 10);
        // Default: bias 1 + 14 cells × 0.3.
        new OnlinePropensity(OnlinePropensityOptions.Default).Logit(in state, "posts").Variance.Should().BeApproximately(1 + 14 * 0.3, 1e-12);
        // Interactions (kinds 2–9, eight cells) at 0.1: 1 + 8 × 0.1 + 6 × 0.3.
        var narrow = new OnlinePropensity(OnlinePropensityOptions.Default with { InteractionVariance = 0.1 });
        narrow.Logit(in state, "posts").Variance.Should().BeApproximately(1 + 8 * 0.1 + 6 * 0.3, 1e-12);
        // One failure moves a narrow interaction cell less than a main-effect cell of the same state.
        narrow.Learn(in state, "posts", PropensityHead.Conversion, false);
        var after = narrow.Snapshot();
        Span<ulong> keys = stackalloc ulong[OnlinePropensity.CellCount];
        OnlinePropensity.Cells(in state, "posts", PropensityHead.Conversion, keys);
        double Mean(ulong key) => after.Means[Array.IndexOf(after.Keys, key)];
        Math.Abs(Mean(keys[4])).Should().BeLessThan(Math.Abs(Mean(keys[12])), "label × hour for the category vs label × hour shared");
        var bad = () => new OnlinePropensity(OnlinePropensityOptions.Default with { InteractionVariance = 0 });
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void ANarrowedDrawMovesEachCellKappaTimesAsFarFromItsMeanAsTheFullDraw()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(5);
        var state = State(ActivityLabel.Rest, 10);
        for (var i = 0; i < 200; i++) model.Learn(in state, "posts", PropensityHead.Conversion, rng.NextDouble() < 0.2);
        var other = State(ActivityLabel.PostWorkout, 18);
        var mu = model.Logit(in other, "posts").Mean;
        static double LogitOf(double p) => Math.Log(p / (1 - p));
        for (ulong seed = 1; seed <= 50; seed++)
        {
            // The same seed draws the same z per cell, so the narrowed logit is μ + κ (t − μ).
            var full = LogitOf(model.Draw(in other, "posts", seed, spread: 1)) - mu;
            LogitOf(model.Draw(in other, "posts", seed, spread: 0.5)).Should().BeApproximately(mu + 0.5 * full, 1e-9);
            LogitOf(model.Draw(in other, "posts", seed, spread: 0.25)).Should().BeApproximately(mu + 0.25 * full, 1e-9);
        }
    }

    [Fact]
    public void TheMedianGivesNoBonusToAStateNeverSeen()
    {
        // Failures in a rest state teach the base rate (the bias falls); a commute state was never pushed in.
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(11);
        var seen = State(ActivityLabel.Rest, 10);
        var unseen = State(ActivityLabel.Commute, 17);
        for (var i = 0; i < 300; i++) model.Learn(in seen, "posts", PropensityHead.Conversion, rng.NextDouble() < 0.1);

        // The posterior-predictive mean E[σ(t)] rates the unseen state higher only because it is uncertain …
        model.Mean(in unseen, "posts").Should().BeGreaterThan(model.Mean(in seen, "posts") * 1.1);
        // … the median σ(μ) (spread 0, any seed) does not: the unseen cells add nothing to μ.
        var seenMedian = model.Draw(in seen, "posts", seed: 1, spread: 0);
        var unseenMedian = model.Draw(in unseen, "posts", seed: 2, spread: 0);
        unseenMedian.Should().BeApproximately(OnlinePropensity.Sigmoid(model.Logit(in unseen, "posts").Mean), 1e-12);
        seenMedian.Should().BeApproximately(OnlinePropensity.Sigmoid(model.Logit(in seen, "posts").Mean), 1e-12);
        unseenMedian.Should().BeLessThan(model.Mean(in unseen, "posts"));
        var bad = () => model.Draw(in seen, "posts", 1, spread: 1.5);
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void ThompsonSamplingAsABanditSettlesOnTheBetterCategory()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(3);
        var state = State(ActivityLabel.PostWorkout, 19);
        var lateBad = 0;
        for (var round = 0; round < 3000; round++)
        {
            var seed = (ulong)rng.NextInt64();
            var pick = model.Draw(in state, "drinks", seed) >= model.Draw(in state, "gear", seed) ? "drinks" : "gear";
            if (round >= 2500 && pick == "gear") lateBad++;
            model.Learn(in state, pick, PropensityHead.Conversion, rng.NextDouble() < Truth(ActivityLabel.PostWorkout, pick));
        }
        lateBad.Should().BeLessThan(25, "of the last 500 rounds almost all go to the better category (0.45 vs 0.10)");
    }

    [Fact]
    public void TheOpenSignalMovesTheSharedCellsButNotTheConversionBias()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default with { OpenWeight = 1 });
        var good = State(ActivityLabel.PostWorkout, 19);
        var bad = State(ActivityLabel.Workout, 19);
        for (var i = 0; i < 200; i++)
        {
            model.Learn(in good, "drinks", PropensityHead.Open, true);
            model.Learn(in bad, "drinks", PropensityHead.Open, false);
        }
        model.Mean(good, "drinks").Should().BeGreaterThan(model.Mean(bad, "drinks") + 0.2, "opens rank the states before any conversion");
        model.Updates(PropensityHead.Conversion).Should().Be(0);

        var ignoring = new OnlinePropensity(OnlinePropensityOptions.Default with { OpenWeight = 0 });
        ignoring.Learn(in good, "drinks", PropensityHead.Open, true);
        ignoring.Mean(good, "drinks").Should().Be(0.5);
    }

    [Fact]
    public void AStateLearnedOnOneCategoryInformsTheOthers()
    {
        // Shared strength: outcomes of drinks only, good after workouts and bad during them, move the shared
        // label cells, so posts (never pushed) are ranked the same way, by less than drinks.
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var good = State(ActivityLabel.PostWorkout, 19);
        var bad = State(ActivityLabel.Workout, 19);
        for (var i = 0; i < 100; i++)
        {
            model.Learn(in good, "drinks", PropensityHead.Conversion, i % 2 == 0);
            model.Learn(in bad, "drinks", PropensityHead.Conversion, false);
        }
        var postsGap = model.Mean(good, "posts") - model.Mean(bad, "posts");
        postsGap.Should().BeGreaterThan(0.05, "the label is shared by every category");
        postsGap.Should().BeLessThan(model.Mean(good, "drinks") - model.Mean(bad, "drinks"), "the category's own cells learned only drinks");
    }

    [Fact]
    public void OneUpdateMatchesTheLaplaceFitByHand()
    {
        // Oracle: the 1-D Laplace fit of N(0, s²)·σ(t) with s² = 1 + 14·0.3 = 5.2 (one bias cell and fourteen
        // cells of variance 0.3): the mode solves t/5.2 = 1 − σ(t); solved here by bisection, independently.
        double lo = 0, hi = 10;
        for (var i = 0; i < 200; i++)
        {
            var mid = (lo + hi) / 2;
            if (mid / 5.2 - (1 - 1 / (1 + Math.Exp(-mid))) < 0) lo = mid;
            else hi = mid;
        }
        var mode = lo;
        var q = 1 / (1 + Math.Exp(-mode));
        var postVariance = 1 / (1 / 5.2 + q * (1 - q));

        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var state = State(ActivityLabel.Rest, 9);
        model.Learn(in state, "posts", PropensityHead.Conversion, true);
        var (mean, variance) = model.Logit(in state, "posts");
        // Σ m_j = Σ v_j (t* − μ)/s² = t*;  Σ v_j' = s² − Σ v_j²(s² − s*²)/s⁴ (= 1 + 14·0.09 weights) — by hand:
        mean.Should().BeApproximately(mode, 1e-9);
        var expected = 5.2 - (1 + 14 * 0.09) * (5.2 - postVariance) / (5.2 * 5.2);
        variance.Should().BeApproximately(expected, 1e-9);
    }

    [Fact]
    public void SnapshotRestoresTheSameModel()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(2);
        for (var i = 0; i < 300; i++)
        {
            var label = Labels[rng.Next(Labels.Length)];
            model.Learn(State(label, 8), Categories[i % 3], PropensityHead.Conversion, rng.NextDouble() < 0.2);
        }
        var restored = OnlinePropensity.Restore(model.Snapshot(), OnlinePropensityOptions.Default);
        restored.StateVersion.Should().Be(model.StateVersion);
        foreach (var label in Labels)
        {
            restored.Mean(State(label, 8), "posts").Should().Be(model.Mean(State(label, 8), "posts"));
            restored.Draw(State(label, 8), "gear", 42).Should().Be(model.Draw(State(label, 8), "gear", 42));
        }

        var broken = model.Snapshot() with { Variances = [.. model.Snapshot().Variances.Select(_ => -1.0)] };
        var act = () => OnlinePropensity.Restore(broken, OnlinePropensityOptions.Default);
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void ScoringDoesNotAllocate()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var state = State(ActivityLabel.Rest, 9);
        model.Learn(in state, "posts", PropensityHead.Conversion, true);
        double sink = 0;
        sink += model.Draw(in state, "posts", 1) + model.Mean(in state, "gear");
        Allocations.Least(() =>
        {
            for (var i = 0; i < 100; i++) sink += model.Draw(in state, "posts", (ulong)i) + model.Mean(in state, "gear");
        }).Should().Be(0);
        sink.Should().BeGreaterThan(0);
    }

    /// <summary>Share of 2 000 draws in which <paramref name="a"/> beats <paramref name="b"/>.</summary>
    private static double Share(OnlinePropensity model, PropensityContext state, string a, string b)
    {
        var wins = 0;
        for (ulong seed = 1; seed <= 2000; seed++)
            if (model.Draw(in state, a, seed) > model.Draw(in state, b, seed)) wins++;
        return wins / 2000.0;
    }

    /// <summary>Spearman rank correlation between the model's means and the truth over all (label, category) cells.</summary>
    private static double RankCorrelation(OnlinePropensity model)
    {
        var cells = (from l in Labels from c in Categories select (l, c)).ToArray();
        var truth = Ranks(cells.Select(x => Truth(x.l, x.c)).ToArray());
        var learned = Ranks(cells.Select(x => model.Mean(State(x.l, 12), x.c)).ToArray());
        double mt = truth.Average(), ml = learned.Average(), num = 0, dt = 0, dl = 0;
        for (var i = 0; i < cells.Length; i++)
        {
            num += (truth[i] - mt) * (learned[i] - ml);
            dt += (truth[i] - mt) * (truth[i] - mt);
            dl += (learned[i] - ml) * (learned[i] - ml);
        }
        return num / Math.Sqrt(dt * dl);
    }

    private static double[] Ranks(double[] values)
    {
        var order = values.Select((v, i) => (v, i)).OrderBy(x => x.v).ToArray();
        var ranks = new double[values.Length];
        for (var k = 0; k < order.Length;)
        {
            var j = k;
            while (j + 1 < order.Length && order[j + 1].v == order[k].v) j++;
            for (var m = k; m <= j; m++) ranks[order[m].i] = (k + j) / 2.0;
            k = j + 1;
        }
        return ranks;
    }
}
