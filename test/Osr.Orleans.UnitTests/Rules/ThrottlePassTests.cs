using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;
using static Osr.Orleans.UnitTests.Rules.RuleTestKit;

namespace Osr.Orleans.UnitTests.Rules;

public sealed class ThrottlePassTests
{
    private const string User = "u-1";

    /// <summary>12:30 UTC, outside the default quiet hours (22:00–07:00).</summary>
    private static readonly long Noon = At(2026, 6, 10, 12, 30);

    private static readonly ThrottleLearning Learning = new(Budget: true, BudgetMinSamples: 5, BudgetHorizon: TimeSpan.FromHours(24),
        BudgetObserve: true, ExploreByTime: false);

    private static readonly RuleCandidate Water = new("drink-1", "drinks", 0.6, null);
    private static readonly RuleCandidate Shoes = new("gear-2", "gear", 0.6, null);

    /// <summary>A pass in UTC at <paramref name="now"/>, the previous pass at the start of that day.</summary>
    private static ThrottlePassInput Input(RuleSet rules, RuleCandidate[] candidates, long? now = null, BudgetSamples? budget = null,
        IReadOnlyList<PushRecord>? sent = null, bool posterior = true, long? state = null, double draw = 0.999)
    {
        var at = now ?? Noon;
        var local = new DateTime(at, DateTimeKind.Utc);
        return new ThrottlePassInput(rules, User, null, "UTC", TimeZoneInfo.Utc, candidates, sent ?? [], budget ?? new BudgetSamples(),
            local, local.Date, at, state ?? at, draw, posterior, Learning);
    }

    /// <summary><paramref name="count"/> passes today from 00:00, one every 15 min, each with best score <paramref name="score"/>.</summary>
    private static BudgetSamples Budget(int count, float score)
    {
        var budget = new BudgetSamples();
        var today = new DateTime(Noon, DateTimeKind.Utc).Date;
        for (var k = 0; k < count; k++) budget.Record(score, today.AddMinutes(15 * k));
        return budget;
    }

    /// <summary>A model that learned drinks converts at 5 % at rest and 50 % after a workout (300 outcomes each).</summary>
    private static (OnlinePropensity Model, PropensityContext Calm, PropensityContext After) DrinksLearnedByState()
    {
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var calm = new PropensityContext(ActivityLabel.Rest, FeatureVector.Unknown with { LocalHour = 9 }, null);
        var after = calm with { Label = ActivityLabel.PostWorkout };
        var rng = new Random(4);
        for (var k = 0; k < 300; k++)
        {
            model.Learn(in calm, "drinks", PropensityHead.Conversion, rng.NextDouble() < 0.05);
            model.Learn(in after, "drinks", PropensityHead.Conversion, rng.NextDouble() < 0.5);
        }
        return (model, calm, after);
    }

    [Fact]
    public void TheLearnedThresholdAppliesOnlyWhereTheThresholdComesFromTheGlobalScope()
    {
        // By hand: 40 passes today, all before noon, every score 0.5: the quantile is 0.5 whatever q is
        // (q = 1 − cap.day / passes a day = 1 − 3/40 > 0). Gear has a category threshold of its own.
        var rules = RuleSet.Defaults.Set(RuleKeys.Threshold, RuleScope.ForCategory("gear"), "0.9");
        var pass = ThrottlePass.Evaluate(Input(rules, [Water, Shoes], budget: Budget(40, 0.5f)));

        pass.Thresholds.Should().Equal(0.5, 0.9);
        pass.Verdicts[0].Rules.ThresholdLearned.Should().StartWith("learned: 3 left today");
        pass.Verdicts[0].Check(RuleName.Threshold).Passed.Should().BeTrue("0.6 ≥ the learned 0.5");
        pass.Verdicts[1].Rules.ThresholdFrom.Should().Be(RuleScopeKind.Category);
        pass.Verdicts[1].Rules.ThresholdLearned.Should().BeNull();
        pass.Verdicts[1].Check(RuleName.Threshold).Passed.Should().BeFalse("0.6 < the category's 0.9");
    }

    [Fact]
    public void AGlobalThresholdOrLearningOffKeepsTheThresholdAsSet()
    {
        var global = RuleSet.Defaults.Set(RuleKeys.Threshold, RuleScope.Global, "0.7");
        var pinned = ThrottlePass.Evaluate(Input(global, [Water], budget: Budget(40, 0.5f)));
        pinned.Thresholds.Should().Equal(0.7);
        pinned.Verdicts[0].Rules.ThresholdLearned.Should().BeNull();

        var off = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water], budget: Budget(40, 0.5f))
            with { Learning = Learning with { Budget = false } });
        off.Thresholds.Should().Equal(EffectiveRules.Defaults.Threshold);
        off.Verdicts[0].Rules.ThresholdLearned.Should().BeNull();
    }

    [Fact]
    public void ObservingMakesTheThresholdUnreachableUnderThePosterior()
    {
        // Two recent passes of the five required (BudgetThreshold.RequiredSamples: half of ~3.8 passes a day, at least 5).
        var best = Water with { Osr = 1.0 };
        var pass = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [best], budget: Budget(2, 0.5f)));

        pass.Thresholds[0].Should().Be(ThrottlePass.Unreachable).And.BeGreaterThan(1.0);
        pass.Verdicts[0].Rules.ThresholdLearned.Should().Be("learning: observing 2 of 5 passes before sending by score");
        pass.Verdicts[0].Check(RuleName.Threshold).Passed.Should().BeFalse("no OSR reaches it, not even 1");
        pass.HardAllowed[0].Should().BeTrue("only the threshold holds it back: exploration may still send it");
        CandidateChoice.Choose(pass.Osr, pass.HardAllowed, pass.Thresholds, [0], 0.999).Should().Be(Choice.None);
    }

    [Fact]
    public void WithoutThePosteriorWithoutObservingOrWithTheCapSpentTheConfiguredThresholdHolds()
    {
        var budget = Budget(2, 0.5f);
        var batch = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water], budget: budget, posterior: false));
        var notObserving = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water], budget: budget)
            with { Learning = Learning with { BudgetObserve = false } });
        var spent = new[] { Push("a-1", "a", Noon - TimeSpan.FromHours(3).Ticks), Push("b-1", "b", Noon - TimeSpan.FromHours(2).Ticks),
            Push("c-1", "c", Noon - TimeSpan.FromHours(1).Ticks) };
        var capSpent = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water], budget: budget, sent: spent));

        foreach (var pass in new[] { batch, notObserving, capSpent })
        {
            pass.Thresholds.Should().Equal(EffectiveRules.Defaults.Threshold);
            pass.Verdicts[0].Rules.ThresholdLearned.Should().BeNull();
        }
        capSpent.HardAllowed[0].Should().BeFalse("three pushes today: cap.day");
    }

    [Fact]
    public void BestIsTheHighestOsrThatOptOutQuietHoursAndStalenessLetThrough()
    {
        // Drinks are opted out (0.99 does not count); gear was pushed an hour ago, inside the 6 h gap, but a gap does not
        // keep a score out of the user's distribution (0.9 counts); snacks is below the threshold (0.3 counts too).
        var rules = RuleSet.Defaults.Set(RuleKeys.OptOut, RuleScope.ForUserCategory(User, "drinks"), "on");
        RuleCandidate[] candidates = [Water with { Osr = 0.99 }, Shoes with { Osr = 0.9 }, new("bar-3", "snacks", 0.3, null)];
        var sent = new[] { Push("gear-9", "gear", Noon - TimeSpan.FromHours(1).Ticks) };

        var pass = ThrottlePass.Evaluate(Input(rules, candidates, sent: sent, posterior: false));
        pass.Best.Should().Be(0.9);
        pass.Osr.Should().Equal(0.99, 0.9, 0.3);
        pass.HardAllowed.Should().Equal(false, false, true);

        var quiet = ThrottlePass.Evaluate(Input(rules, candidates, now: At(2026, 6, 10, 23, 30), sent: sent, posterior: false));
        double.IsNaN(quiet.Best).Should().BeTrue("quiet hours hold every candidate back");
        var stale = ThrottlePass.Evaluate(Input(rules, candidates, sent: sent, posterior: false, state: Noon - TimeSpan.FromMinutes(10).Ticks));
        double.IsNaN(stale.Best).Should().BeTrue("a state older than staleness.max (5 min) is no chance");
    }

    [Fact]
    public void ExplorationRatesAreTheExploreRateOrTheFloorUnderThePosterior()
    {
        // Nothing seen yet: the basis is cap.day (3) and the passes a day are unknown.
        var batch = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water], posterior: false));
        batch.ExploreRates.Should().Equal(EffectiveRules.Defaults.ExploreRate);

        var perPass = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water]));
        // explore.rate × min(1, 3 / unknown passes a day)
        perPass.ExploreRates.Should().Equal(EffectiveRules.Defaults.ExploreRate);

        // By time: λ = 0.05 × 3 / 15 waking hours, over the 5.5 waking hours since 00:00 (07:00–12:30).
        var byTime = ThrottlePass.Evaluate(Input(RuleSet.Defaults, [Water]) with { Learning = Learning with { ExploreByTime = true } });
        byTime.ExploreRates[0].Should().BeApproximately(1 - Math.Exp(-0.05 * 3 / 15 * 5.5), 1e-12);
    }

    [Fact]
    public void ExplorationNeverBreaksAHardRule()
    {
        // Explore.rate 1 and the learned threshold: whatever the hour, the history, the state's age, the scores and the
        // draw, the chosen candidate fails no rule but the threshold, and HardAllowed says exactly that.
        var rules = RuleSet.Defaults.Set(RuleKeys.ExploreRate, RuleScope.Global, "1");
        var budget = Budget(40, 0.5f);
        var rng = new Random(11);
        for (var trial = 0; trial < 500; trial++)
        {
            var now = At(2026, 6, 10, rng.Next(24), rng.Next(60));
            PushRecord[] sent = rng.Next(2) == 0 ? [] : [Push("gear-9", "gear", now - TimeSpan.FromMinutes(rng.Next(600)).Ticks)];
            RuleCandidate[] candidates = [Water with { Osr = rng.NextDouble() }, Shoes with { Osr = rng.NextDouble() }];
            var pass = ThrottlePass.Evaluate(Input(rules, candidates, now, budget, sent, posterior: false,
                state: now - TimeSpan.FromMinutes(rng.Next(8)).Ticks, draw: rng.NextDouble()));

            for (var i = 0; i < candidates.Length; i++)
                pass.HardAllowed[i].Should().Be(pass.Verdicts[i].Checks.All(c => c.Passed || c.Rule == RuleName.Threshold));
            var choice = CandidateChoice.Choose(pass.Osr, pass.HardAllowed, pass.Thresholds, pass.ExploreRates, rng.NextDouble());
            if (choice.Send)
                pass.Verdicts[choice.Index].Checks.Where(c => !c.Passed).Select(c => c.Rule).Should().BeSubsetOf([RuleName.Threshold]);
        }
    }

    [Fact]
    public void UnderARescorerTheLearnedThresholdIsTakenOverThePassesScoredUnderEachDraw()
    {
        // 40 passes today in two states, recorded at 0.5; scored again under a model that learned the states differ.
        var (model, calm, after) = DrinksLearnedByState();
        var budget = new BudgetSamples();
        var today = new DateTime(Noon, DateTimeKind.Utc).Date;
        for (var k = 0; k < 40; k++) budget.Record(0.5, today.AddMinutes(15 * k), OnlinePropensity.Signature(k % 4 == 0 ? after : calm));
        var rescorer = new BudgetRescorer(model, null, 11, 1, -1, 1, [new RescoreCandidate("drinks", 1.0)]);

        // Gear has a category threshold of its own: the same under every draw.
        var rules = RuleSet.Defaults.Set(RuleKeys.Threshold, RuleScope.ForCategory("gear"), "0.9");
        var input = Input(rules, [Water, Shoes], budget: budget) with { Rescorer = rescorer };
        var pass = ThrottlePass.Evaluate(input);
        var check = new BudgetRescorer(model, null, 11, 1, -1, 1, [new RescoreCandidate("drinks", 1.0)]);
        var expected = BudgetThreshold.Compute(budget, input.LocalNow, 3, 3, 5, TimeSpan.FromHours(24),
            check.Rescore(budget, default, input.LocalNow, TimeSpan.FromHours(24)), new TimeOnly(22, 0), new TimeOnly(7, 0))!.Value.Threshold;
        pass.Thresholds[0].Should().Be(expected).And.NotBe(0.5, "the recorded scores are not what the threshold is taken over");
        pass.Thresholds[1].Should().Be(0.9);
        pass.Rescored.Should().NotBeNull();
        (pass.Rescored!.QuietStart, pass.Rescored.QuietEnd).Should().Be((new TimeOnly(22, 0), new TimeOnly(7, 0)), "the rows take the threshold under the same quiet hours");
        pass.Verdicts[0].Rules.ThresholdLearned.Should().StartWith("learned: 3 left today").And.EndWith("of 40 recent passes scored under this draw");

        var rows = ThrottlePass.RowThresholds(input, pass, 3)!;
        rows.Should().HaveCount(6);
        rows[0].Should().Be(pass.Thresholds[0], "row 0 is the acting draw");
        rows.Where((_, k) => k % 2 == 1).Should().AllBeEquivalentTo(0.9, "an admin threshold does not depend on the draw");
        var rowOne = new BudgetRescorer(model, null, BudgetRescorer.RowSeed(11, 1), 1, -1, 1, [new RescoreCandidate("drinks", 1.0)]);
        rows[2].Should().Be(BudgetThreshold.Compute(budget, input.LocalNow, 3, 3, 5, TimeSpan.FromHours(24),
            rowOne.Rescore(budget, default, input.LocalNow, TimeSpan.FromHours(24)), new TimeOnly(22, 0), new TimeOnly(7, 0))!.Value.Threshold);
        new[] { rows[0], rows[2], rows[4] }.Distinct().Should().HaveCountGreaterThan(1, "each draw scores the passes differently");

        var plain = Input(RuleSet.Defaults, [Water], budget: budget);
        ThrottlePass.RowThresholds(plain, ThrottlePass.Evaluate(plain), 3)
            .Should().BeNull("without a rescorer the threshold does not depend on the draw");
        // A probability over per-draw thresholds: a candidate clears row 0's threshold but not a higher one.
        CandidateChoice.Probability(0, [0.6, 0.6], [true], [0.5, 0.7], [0]).Should().Be(0.5);
    }

    [Fact]
    public void TheTimingGateKeepsTheThresholdAtLiftTimesTheCandidatesAverageRecentMomentUnderEachDraw()
    {
        // Drinks converts at 5 % at rest and 50 % after a workout. Today: 39 rest passes a minute apart from 09:00, then
        // one post-workout pass at 10:00 that stands for an hour (the most one pass stands for), as long as
        // the rest passes together: by time, half of the recent waking day was post-workout. The learned quantile is the
        // post-workout score; twice the average moment is above it.
        var (model, calm, after) = DrinksLearnedByState();
        var budget = new BudgetSamples();
        var today = new DateTime(Noon, DateTimeKind.Utc).Date;
        for (var k = 0; k < 39; k++) budget.Record(0.5, today.AddHours(9).AddMinutes(k), OnlinePropensity.Signature(calm));
        budget.Record(0.5, today.AddHours(10), OnlinePropensity.Signature(after));
        RescoreCandidate[] drinks = [new("drinks", 1.0)];
        BudgetRescorer Rescorer(ulong seed) => new(model, null, seed, 1, -1, 1, drinks);
        ThrottlePassInput With(double lift, BudgetSamples? samples = null) =>
            Input(RuleSet.Defaults, [Water], budget: samples ?? budget) with { Learning = Learning with { TimingLift = lift }, Rescorer = Rescorer(11) };
        var localNow = With(0).LocalNow;

        (double Quantile, double Moment) Expected(ulong seed, double lift)
        {
            var check = Rescorer(seed);
            var quantile = BudgetThreshold.Compute(budget, localNow, 3, 3, 5, TimeSpan.FromHours(24),
                check.Rescore(budget, default, localNow, TimeSpan.FromHours(24)), new TimeOnly(22, 0), new TimeOnly(7, 0))!.Value.Threshold;
            return (quantile, check.AverageMoment(0, lift));
        }

        var (quantile, twice) = Expected(11, 2);
        var (_, once) = Expected(11, 1);
        (2 * twice - 1).Should().BeApproximately(2 * (2 * once - 1), 1e-12, "λ scales the raw score z·p̄ (OSR = (raw + 1) / 2 here)");
        twice.Should().BeGreaterThan(quantile);
        once.Should().BeLessThan(quantile);

        var input = With(2);
        var pass = ThrottlePass.Evaluate(input);
        pass.Thresholds[0].Should().BeApproximately(twice, 1e-5).And.BeLessThan(twice, "a moment at the bar passes despite rounding");
        pass.Verdicts[0].Rules.ThresholdLearned.Should().Contain("; timing: not below 2× its average recent moment, OSR ");
        var rows = ThrottlePass.RowThresholds(input, pass, 2)!;
        rows[0].Should().Be(pass.Thresholds[0], "row 0 is the acting draw");
        var (rowQuantile, rowMoment) = Expected(BudgetRescorer.RowSeed(11, 1), 2);
        rowMoment.Should().NotBe(twice, "another draw, another average");
        rows[1].Should().BeApproximately(Math.Max(rowQuantile, rowMoment), 1e-5, "each draw has its own average moment");

        var level = ThrottlePass.Evaluate(With(1));
        level.Thresholds[0].Should().Be(quantile, "the quantile is already above the average moment");
        level.Verdicts[0].Rules.ThresholdLearned.Should().NotContain("timing");
        ThrottlePass.Evaluate(With(0)).Thresholds[0].Should().Be(quantile, "0: no gate");

        // A user whose state never changed: every moment is the average one, and the pass is not held back by rounding.
        var still = new BudgetSamples();
        for (var k = 0; k < 40; k++) still.Record(0.5, today.AddHours(9).AddMinutes(5 * k), OnlinePropensity.Signature(after));
        var same = ThrottlePass.Evaluate(With(1, still));
        same.Verdicts[0].Rules.ThresholdLearned.Should().NotContain("timing");
    }

    [Fact]
    public void UnderARescorerTheBarIsTheBestCandidatesEvenWhileReeligibilityHoldsItBack()
    {
        // Drinks converts far better than gear, and drink-1 was pushed two days ago (re-eligible after 72 h): the threshold
        // gear meets is still taken over the passes scored for both, so gear goes out only where it scores like drinks
        // (decision 100), not over gear's own scores.
        var model = new OnlinePropensity(OnlinePropensityOptions.Default);
        var calm = new PropensityContext(Osr.Orleans.Models.Features.ActivityLabel.Rest, Osr.Orleans.Models.Features.FeatureVector.Unknown with { LocalHour = 9 }, null);
        var rng = new Random(5);
        for (var k = 0; k < 300; k++)
        {
            model.Learn(in calm, "drinks", PropensityHead.Conversion, rng.NextDouble() < 0.6);
            model.Learn(in calm, "gear", PropensityHead.Conversion, rng.NextDouble() < 0.05);
        }
        var budget = new BudgetSamples();
        var today = new DateTime(Noon, DateTimeKind.Utc).Date;
        for (var k = 0; k < 40; k++) budget.Record(0.5, today.AddMinutes(15 * k), OnlinePropensity.Signature(calm));
        RescoreCandidate[] both = [new("drinks", 1.0), new("gear", 0.5)];
        var sent = new[] { Push("drink-1", "drinks", Noon - TimeSpan.FromHours(48).Ticks) };
        var input = Input(RuleSet.Defaults, [Water, Shoes], budget: budget, sent: sent) with { Rescorer = new BudgetRescorer(model, null, 11, 1, -1, 1, both) };

        var pass = ThrottlePass.Evaluate(input);

        double Threshold(bool[] eligible) => BudgetThreshold.Compute(budget, input.LocalNow, 3, 3, 5, TimeSpan.FromHours(24),
            new BudgetRescorer(model, null, 11, 1, -1, 1, both).Rescore(budget, eligible, input.LocalNow, TimeSpan.FromHours(24)), new TimeOnly(22, 0), new TimeOnly(7, 0))!.Value.Threshold;
        pass.Verdicts[0].Check(RuleName.Reeligible).Passed.Should().BeFalse();
        pass.Thresholds[1].Should().Be(Threshold([true, true]));
        Threshold([true, true]).Should().BeGreaterThan(Threshold([false, true]), "gear's own scores would set a lower bar");
    }
}
