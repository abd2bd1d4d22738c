using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

/// <summary>
/// The learned threshold's scores made again under the current posterior draw: a recorded pass scores what the current
/// pass would score in its state, a change of draw moves the recorded scores with it, and passes without a signature keep
/// their recorded score.
/// </summary>
public sealed class BudgetRescorerTests
{
    private static readonly string[] Categories = ["drinks", "posts", "gear", "posts"];
    private static readonly double[] Affinities = [0.9, 0.4, 0.7, 0.1];

    private static PropensityContext State(ActivityLabel label, double hour, double intensity) =>
        new(label, FeatureVector.Unknown with { LocalHour = hour, Intensity = intensity, Weekday = 2 }, "casual");

    /// <summary>A model that has learned something, so that cells differ.</summary>
    private static OnlinePropensity Learned()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var rng = new Random(2);
        for (var i = 0; i < 400; i++)
        {
            var label = i % 2 == 0 ? ActivityLabel.Rest : ActivityLabel.PostWorkout;
            var context = State(label, 8 + i % 12, 0.1);
            model.Learn(in context, Categories[i % 3], PropensityHead.Conversion, rng.NextDouble() < (label == ActivityLabel.Rest ? 0.05 : 0.4));
        }
        return model;
    }

    /// <summary>The best OSR of a pass in <paramref name="context"/> under <paramref name="seed"/>, as the user grain scores it.</summary>
    private static double BestOsr(OnlinePropensity model, in PropensityContext context, ulong seed, double min, double max)
    {
        var n = Categories.Length;
        var p = new double[n];
        for (var i = 0; i < n; i++) p[i] = model.Draw(in context, Categories[i], seed);
        var z = new double[n];
        var raw = new double[n];
        var osr = new double[n];
        ScoringPass.Raw(Affinities, p, z, raw);
        ScoringPass.Osr(raw, min, max, osr);
        return osr.Max();
    }

    private static RescoreCandidate[] Candidates()
    {
        var z = new double[Affinities.Length];
        OsrScore.Standardize(Affinities, z);
        return [.. Categories.Select((c, i) => new RescoreCandidate(c, z[i]))];
    }

    [Fact]
    public void ARecordedPassScoresWhatThePassWouldScoreNowInItsState()
    {
        var model = Learned();
        var day = new DateTime(2026, 11, 2, 0, 0, 0, DateTimeKind.Unspecified);
        var states = new[] { State(ActivityLabel.Rest, 9.5, 0.1), State(ActivityLabel.PostWorkout, 18.2, 0.3), State(ActivityLabel.Rest, 9.9, 0.12) };
        var samples = new BudgetSamples();
        for (var i = 0; i < states.Length; i++) samples.Record(0.5, day.AddHours(states[i].Features.LocalHour), OnlinePropensity.Signature(in states[i]));
        OnlinePropensity.Signature(in states[0]).Should().Be(OnlinePropensity.Signature(in states[2]), "same label and bins");

        foreach (var seed in new ulong[] { 7, 8 })
        {
            var rescored = new BudgetRescorer(model, "casual", seed, 1, -0.5, 0.5, Candidates()).Rescore(samples);
            for (var i = 0; i < states.Length; i++)
                ((double)rescored[i]).Should().BeApproximately(BestOsr(model, in states[i], seed, -0.5, 0.5), 1e-6, $"state {i}, seed {seed}");
        }
        var one = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates()).Rescore(samples);
        var other = new BudgetRescorer(model, "casual", 8, 1, -0.5, 0.5, Candidates()).Rescore(samples);
        one.Should().NotEqual(other, "another draw scores the same moments differently");
    }

    [Fact]
    public void TheSignatureGivesTheSameCellsAsTheState()
    {
        var context = State(ActivityLabel.Commute, 17.4, 0.5) with { Features = FeatureVector.Unknown with { LocalHour = 17.4, Intensity = 0.5, HrPctMax = 0.66, MinutesSinceWorkout = 45, Weekday = 6 } };
        Span<ulong> fromState = stackalloc ulong[OnlinePropensity.CellCount];
        Span<ulong> fromSignature = stackalloc ulong[OnlinePropensity.CellCount];
        OnlinePropensity.Cells(in context, "gear", PropensityHead.Open, fromState);
        OnlinePropensity.Cells(OnlinePropensity.Signature(in context), context.Segment, "gear", PropensityHead.Open, fromSignature);
        fromSignature.ToArray().Should().Equal(fromState.ToArray());
        OnlinePropensity.Signature(new PropensityContext(ActivityLabel.Unknown, FeatureVector.Unknown, null)).Should().BePositive();
        var act = () => OnlinePropensity.Cells(0, null, "gear", PropensityHead.Conversion, new ulong[OnlinePropensity.CellCount]);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void PassesWithoutASignatureKeepTheirScoreAndOptedOutCategoriesDoNotCount()
    {
        var model = Learned();
        var day = new DateTime(2026, 11, 2, 0, 0, 0, DateTimeKind.Unspecified);
        var state = State(ActivityLabel.PostWorkout, 18.2, 0.3);
        var samples = new BudgetSamples();
        samples.Record(0.42, day.AddHours(8));
        samples.Record(0.5, day.AddHours(18), OnlinePropensity.Signature(in state));

        var rescorer = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates());
        var all = rescorer.Rescore(samples);
        all[0].Should().Be(0.42f);
        // Without drinks (the best z), the best is taken over the other categories only.
        var withoutDrinks = rescorer.Rescore(samples, [false, true, true, true]);
        withoutDrinks[0].Should().Be(0.42f);
        withoutDrinks[1].Should().BeLessThanOrEqualTo(all[1]);
        rescorer.Rescore(samples, [false, false, false, false]).Should().BeEmpty();
    }

    [Fact]
    public void TheLearnedThresholdTakesItsQuantileOverTheRescoredScores()
    {
        var day = new DateTime(2026, 11, 2, 0, 0, 0, DateTimeKind.Unspecified);
        var samples = new BudgetSamples();
        for (var i = 0; i < 100; i++) samples.Record(i / 100.0, day.AddHours(7 + i * 0.15));
        var recorded = BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(7), 3, 3, 30)!.Value;
        var lowered = new float[100];
        for (var i = 0; i < 100; i++) lowered[i] = samples.Scores[i] / 2;
        var rescored = BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(7), 3, 3, 30, scores: lowered)!.Value;
        rescored.Quantile.Should().Be(recorded.Quantile);
        rescored.Threshold.Should().BeApproximately(recorded.Threshold / 2, 1e-6);
    }
}
