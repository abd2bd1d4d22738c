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

    /// <summary>
    /// The best OSR of a pass in <paramref name="context"/> under <paramref name="seed"/>, as the user grain scores it, over
    /// the candidates <paramref name="eligible"/> lets through (all when null).
    /// </summary>
    private static double BestOsr(OnlinePropensity model, in PropensityContext context, ulong seed, double min, double max, bool[]? eligible = null)
    {
        var n = Categories.Length;
        var p = new double[n];
        for (var i = 0; i < n; i++) p[i] = model.Draw(in context, Categories[i], seed);
        var z = new double[n];
        var raw = new double[n];
        var osr = new double[n];
        ScoringPass.Raw(Affinities, p, z, raw);
        ScoringPass.Osr(raw, min, max, osr);
        return osr.Where((_, i) => eligible is null || eligible[i]).Max();
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

        var now = day.AddHours(20);
        foreach (var seed in new ulong[] { 7, 8 })
        {
            var rescored = new BudgetRescorer(model, "casual", seed, 1, -0.5, 0.5, Candidates()).Rescore(samples, default, now, TimeSpan.Zero)!;
            for (var i = 0; i < states.Length; i++)
                ((double)rescored[i]).Should().BeApproximately(BestOsr(model, in states[i], seed, -0.5, 0.5), 1e-6, $"state {i}, seed {seed}");
        }
        var rescorer = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates());
        rescorer.RescoreRow(1).Should().BeNull("nothing was prepared yet");
        var one = rescorer.Rescore(samples, default, now, TimeSpan.Zero)!;
        var other = new BudgetRescorer(model, "casual", 8, 1, -0.5, 0.5, Candidates()).Rescore(samples, default, now, TimeSpan.Zero)!;
        one.Should().NotEqual(other, "another draw scores the same moments differently");
        rescorer.RescoreRow(0).Should().Equal(one, "row 0 is the acting draw");
        var rowOne = new BudgetRescorer(model, "casual", BudgetRescorer.RowSeed(7, 1), 1, -0.5, 0.5, Candidates()).Rescore(samples, default, now, TimeSpan.Zero)!;
        rescorer.RescoreRow(1).Should().Equal(rowOne, "row r is the scorer's draw r of the pass");
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

        var now = day.AddHours(20);
        var all = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates()).Rescore(samples, default, now, TimeSpan.Zero)!;
        all[0].Should().Be(0.42f, "no signature: the score as recorded");
        ((double)all[1]).Should().BeApproximately(BestOsr(model, in state, 7, -0.5, 0.5), 1e-6);
        // Without drinks (the best z), the best is taken over the other candidates only.
        bool[] withoutDrinks = [false, true, true, true];
        var some = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates()).Rescore(samples, withoutDrinks, now, TimeSpan.Zero)!;
        some[0].Should().Be(0.42f);
        ((double)some[1]).Should().BeApproximately(BestOsr(model, in state, 7, -0.5, 0.5, withoutDrinks), 1e-6);
        some[1].Should().NotBe(all[1]);
        new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates()).Rescore(samples, [false, false, false, false], now, TimeSpan.Zero)
            .Should().BeNull("no candidate is eligible");
        var unsigned = new BudgetSamples();
        unsigned.Record(0.42, day.AddHours(8));
        new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates()).Rescore(unsigned, default, now, TimeSpan.Zero)
            .Should().BeNull("no pass has a signature: nothing to score again");
        // Outside the horizon a pass is left as recorded (the learned threshold does not read it).
        samples.Record(0.3, day.AddHours(19.5), OnlinePropensity.Signature(in state));
        var recent = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates()).Rescore(samples, default, now, TimeSpan.FromHours(1))!;
        recent[1].Should().Be(0.5f);
        recent[2].Should().Be(all[1], "the same state, within the horizon");
    }

    [Fact]
    public void AnAverageMomentIsTheCategorysPropensityAveragedOverWakingTimeUnderTheSameDraw()
    {
        // Four passes: rest at 08:00 (stands 1 h: the gap to 10:00 is capped), post-workout at 10:00 (30 min to 10:30),
        // rest at 10:30 (10 min to 10:40), post-workout at 10:40 (the newest: 20 min to now, 11:00).
        var model = Learned();
        var day = new DateTime(2026, 11, 2, 0, 0, 0, DateTimeKind.Unspecified);
        var rest = State(ActivityLabel.Rest, 9.5, 0.1);
        var after = State(ActivityLabel.PostWorkout, 18.2, 0.3);
        var samples = new BudgetSamples();
        samples.Record(0.5, day.AddHours(8), OnlinePropensity.Signature(in rest));
        samples.Record(0.5, day.AddHours(10), OnlinePropensity.Signature(in after));
        samples.Record(0.5, day.AddHours(10.5), OnlinePropensity.Signature(in rest));
        samples.Record(0.5, day.AddHours(10) + TimeSpan.FromMinutes(40), OnlinePropensity.Signature(in after));
        var now = day.AddHours(11);
        var candidates = Candidates();

        candidates.Count(c => c.Z > 0).Should().BeGreaterThan(0);
        foreach (var row in new[] { 0, 1 })
        {
            var seed = BudgetRescorer.RowSeed(7, row);
            var rescorer = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, candidates);
            double.IsNaN(rescorer.AverageMoment(0)).Should().BeTrue("nothing was prepared yet");
            rescorer.Rescore(samples, default, now, TimeSpan.Zero);
            if (row > 0) rescorer.RescoreRow(row);
            var moments = Enumerable.Range(0, candidates.Length).Select(i => rescorer.AverageMoment(i)).ToArray();
            double.IsNaN(rescorer.AverageMoment(candidates.Length)).Should().BeTrue("no such candidate");
            for (var i = 0; i < candidates.Length; i++)
            {
                var (category, z) = candidates[i];
                if (z <= 0)
                {
                    double.IsNaN(moments[i]).Should().BeTrue($"candidate {i} has z {z}: its OSR falls as the propensity rises");
                    continue;
                }
                var pRest = model.Draw(in rest, category, seed);
                var pAfter = model.Draw(in after, category, seed);
                var mean = (60 * pRest + 30 * pAfter + 10 * pRest + 20 * pAfter) / 120;
                moments[i].Should().BeApproximately(OsrScore.Normalize(z * mean, -0.5, 0.5), 1e-9, $"candidate {i}, row {row}");
                rescorer.AverageMoment(i, 1.5).Should().BeApproximately(OsrScore.Normalize(1.5 * z * mean, -0.5, 0.5), 1e-9);
            }
        }

        // A candidate not eligible has no average moment; an eligible one of the same category keeps its own.
        bool[] withoutDrinks = [false, true, true, true];
        var some = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, candidates);
        some.Rescore(samples, withoutDrinks, now, TimeSpan.Zero);
        double.IsNaN(some.AverageMoment(0)).Should().BeTrue();
        some.AverageMoment(2).Should().Be(AverageOf(model, samples, now, candidates, 2), "gear's own average, whatever else is eligible");
    }

    [Fact]
    public void AnAverageMomentFollowsTheRingInTimeOrderOnceItHasWrapped()
    {
        // 300 passes a minute apart (the ring keeps the last 256): rest, except post-workout from pass 280 on. The last
        // 256 stand for a minute each but the newest, which stands until now (10 min later).
        var model = Learned();
        var start = new DateTime(2026, 11, 2, 8, 0, 0, DateTimeKind.Unspecified);
        var rest = State(ActivityLabel.Rest, 9.5, 0.1);
        var after = State(ActivityLabel.PostWorkout, 18.2, 0.3);
        var samples = new BudgetSamples();
        for (var k = 0; k < 300; k++) samples.Record(0.5, start.AddMinutes(k), k >= 280 ? OnlinePropensity.Signature(in after) : OnlinePropensity.Signature(in rest));
        samples.Count.Should().Be(BudgetSamples.Capacity);
        var now = start.AddMinutes(299 + 10);
        var rescorer = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, Candidates());
        rescorer.Rescore(samples, default, now, TimeSpan.Zero);
        var z = Candidates()[0].Z;
        var pRest = model.Draw(in rest, "drinks", 7);
        var pAfter = model.Draw(in after, "drinks", 7);
        var mean = (236 * pRest + 19 * pAfter + 10 * pAfter) / (236 + 19 + 10.0);
        rescorer.AverageMoment(0).Should().BeApproximately(OsrScore.Normalize(z * mean, -0.5, 0.5), 1e-9);
    }

    private static double AverageOf(OnlinePropensity model, BudgetSamples samples, DateTime now, RescoreCandidate[] candidates, int i)
    {
        var rescorer = new BudgetRescorer(model, "casual", 7, 1, -0.5, 0.5, candidates);
        rescorer.Rescore(samples, default, now, TimeSpan.Zero);
        return rescorer.AverageMoment(i);
    }

    [Fact]
    public void CellKeysStayWhatPersistedPosteriorsWereLearnedUnder()
    {
        // Pinned values: a posterior persisted by an earlier version is keyed by these; a change of Cells or Signature
        // that moves them would silently start every cell again from its prior.
        var context = new PropensityContext(ActivityLabel.PostWorkout,
            FeatureVector.Unknown with { LocalHour = 18.5, Intensity = 0.2, HrPctMax = 0.55, MinutesSinceWorkout = 20, Weekday = 6 }, "casual");
        var keys = new ulong[OnlinePropensity.CellCount];
        OnlinePropensity.Cells(in context, "drinks", PropensityHead.Conversion, keys);
        keys.Should().Equal(PinnedKeys);
    }

    private static readonly ulong[] PinnedKeys =
    [
        5067554077270220563UL, 1405173807590663806UL, 5789372877692541055UL, 7745907949440564278UL, 785183221194319098UL,
        12196379272560837666UL, 14330875974890521723UL, 9993011438650840947UL, 8069362934024479696UL, 9972924103810637659UL,
        4811103992605193944UL, 13640632296754824892UL, 11106491983059724304UL, 166373256649220023UL, 14575316147774604893UL,
    ];

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
