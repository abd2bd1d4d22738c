using Osr.Orleans.Models.Rules;
using static Osr.Orleans.UnitTests.Rules.RuleTestKit;

namespace Osr.Orleans.UnitTests.Rules;

public class NotificationRulesTests
{
    /// <summary>Wednesday 2026-06-10 14:00 CEST, a weekday afternoon outside quiet hours.</summary>
    private static readonly long Noonish = At(2026, 6, 10, 14, 0, +2);

    private static long Ago(long now, TimeSpan span) => now - span.Ticks;

    [Fact]
    public void AllRulesPassingSendsWithProbabilityOneAndRecordsEveryCheckInOrder()
    {
        var verdict = Evaluate(Drink, EffectiveRules.Defaults, Noonish, Amsterdam);

        verdict.Send.Should().BeTrue();
        verdict.FailedRule.Should().BeNull();
        verdict.Failed.Should().BeNull();
        verdict.Explored.Should().BeFalse();
        verdict.SendProbability.Should().Be(1);
        verdict.Checks.Select(c => c.Rule).Should().Equal(RuleNames.All);
        verdict.Checks.Should().OnlyContain(c => c.Passed && c.Detail.Length > 0);
        verdict.Candidate.Should().Be(Drink);
        verdict.Rules.Should().Be(EffectiveRules.Defaults);
    }

    [Fact]
    public void FirstFailingRuleIsTheReasonAndLaterChecksAreStillRecorded()
    {
        long now = At(2026, 6, 10, 23, 0, +2);
        var history = new[] { Push("drink-3", "drinks", Ago(now, TimeSpan.FromHours(1))) };
        var rules = EffectiveRules.Defaults with { OptOut = new OptOutState(true, false, false, false) };

        var verdict = Evaluate(Drink with { Osr = 0.1 }, rules, now, Amsterdam, history, state: Ago(now, TimeSpan.FromHours(1)));

        verdict.FailedRule.Should().Be(RuleName.OptOut);
        verdict.Send.Should().BeFalse();
        verdict.SendProbability.Should().Be(0);
        verdict.Checks.Where(c => !c.Passed).Select(c => c.Rule).Should().Equal(
            RuleName.OptOut, RuleName.QuietHours, RuleName.Threshold, RuleName.GapSimilar, RuleName.Reeligible, RuleName.Staleness);
    }

    [Theory]
    [InlineData(true, false, false, false, false, "opted out of all pushes")]
    [InlineData(false, false, false, true, false, "opted out of category drinks")]
    [InlineData(false, true, true, false, false, "opted out of both channels (mqtt and webhook)")]
    [InlineData(false, true, false, false, true, "opted out of mqtt only; webhook still delivers")]
    [InlineData(false, false, true, false, true, "opted out of webhook only; mqtt still delivers")]
    [InlineData(false, false, false, false, true, "not opted out")]
    public void OptOutFailsForAllCategoryOrBothChannels(bool all, bool mqtt, bool webhook, bool category, bool passes, string detail)
    {
        var rules = Open with { OptOut = new OptOutState(all, mqtt, webhook, category) };

        Evaluate(Drink, rules, Noonish, Amsterdam).Check(RuleName.OptOut).Should().Be(new RuleCheck(RuleName.OptOut, passes, detail));
    }

    [Theory]
    [InlineData(0.62, 0.75, RuleScopeKind.Category, false, "osr 0.62 < threshold 0.75 (category drinks)")]
    [InlineData(0.75, 0.75, RuleScopeKind.Global, true, "osr 0.75 ≥ threshold 0.75 (global)")]
    [InlineData(0.749, 0.75, RuleScopeKind.Segment, false, "osr 0.749 < threshold 0.75 (segment)")]
    [InlineData(0.9, 0.8, RuleScopeKind.Item, true, "osr 0.9 ≥ threshold 0.8 (item drink-3)")]
    [InlineData(0.5, 0.6, RuleScopeKind.User, false, "osr 0.5 < threshold 0.6 (user)")]
    [InlineData(0.5, 0.6, RuleScopeKind.UserItem, false, "osr 0.5 < threshold 0.6 (user+item)")]
    public void ThresholdComparesOsrAndNamesWhereTheThresholdCameFrom(double osr, double threshold, RuleScopeKind from, bool passes, string detail)
    {
        var rules = Open with { Threshold = threshold, ThresholdFrom = from };

        Evaluate(Drink with { Osr = osr }, rules, Noonish).Check(RuleName.Threshold).Should().Be(new RuleCheck(RuleName.Threshold, passes, detail));
    }

    [Fact]
    public void NaNScoreFailsTheThresholdAndIsNeverExplored()
    {
        var rules = Open with { ExploreRate = 1 };

        var verdict = Evaluate(Drink with { Osr = double.NaN }, rules, Noonish, draw: 0);

        verdict.FailedRule.Should().Be(RuleName.Threshold);
        verdict.Explored.Should().BeFalse();
        verdict.SendProbability.Should().Be(0);
    }

    [Fact]
    public void ThresholdResolvedFromARuleSetFlowsIntoTheDetail()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.75");
        var rules = set.Resolve("u-7", null, "drink-3", "drinks");

        var verdict = Evaluate(Drink with { Osr = 0.62 }, rules, Noonish, Amsterdam);

        verdict.FailedRule.Should().Be(RuleName.Threshold);
        verdict.Failed!.Value.Detail.Should().Be("osr 0.62 < threshold 0.75 (category drinks)");
    }

    [Fact]
    public void SameCategoryPushedWithinTheGapFails()
    {
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6) };
        var history = new[] { Push("drink-1", "drinks", Ago(Noonish, new TimeSpan(2, 10, 0))) };

        Evaluate(Drink, rules, Noonish, Amsterdam, history).Check(RuleName.GapSimilar)
            .Should().Be(new RuleCheck(RuleName.GapSimilar, false, "last drinks push 2h10m ago < 6h"));
    }

    [Fact]
    public void SameCategoryPushedExactlyTheGapAgoPasses()
    {
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6) };
        var history = new[] { Push("drink-1", "drinks", Ago(Noonish, TimeSpan.FromHours(6))) };

        Evaluate(Drink, rules, Noonish, Amsterdam, history).Check(RuleName.GapSimilar)
            .Should().Be(new RuleCheck(RuleName.GapSimilar, true, "last drinks push 6h ago ≥ 6h"));
    }

    [Fact]
    public void OnlyTheMostRecentSimilarPushCounts()
    {
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6) };
        var history = new[]
        {
            Push("drink-1", "drinks", Ago(Noonish, TimeSpan.FromHours(30))),
            Push("drink-2", "drinks", Ago(Noonish, TimeSpan.FromHours(5))),
            Push("drink-4", "drinks", Ago(Noonish, TimeSpan.FromHours(20))),
            Push("bar-1", "snacks", Ago(Noonish, TimeSpan.FromMinutes(5))),
        };

        Evaluate(Drink, rules, Noonish, Amsterdam, history).Check(RuleName.GapSimilar).Detail.Should().Be("last drinks push 5h ago < 6h");
    }

    [Fact]
    public void OtherCategoryWithoutFactorsDoesNotCountAsSimilar()
    {
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6) };
        var history = new[] { Push("bar-1", "snacks", Ago(Noonish, TimeSpan.FromMinutes(5)), [1, 0]) };

        Evaluate(Drink, rules, Noonish, Amsterdam, history).Check(RuleName.GapSimilar)
            .Should().Be(new RuleCheck(RuleName.GapSimilar, true, "no drinks or similar push before"));
    }

    [Fact]
    public void OtherCategoryWithCosineAtOrAboveTheBoundFails()
    {
        // Oracle: for the candidate (1, 0) and the unit vector (0.85, √(1 − 0.85²)), cos θ = 0.85 ≥ 0.8.
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6), SimilarCosine = 0.8 };
        var candidate = Drink with { Factor = [1, 0] };
        var history = new[] { Push("bar-1", "snacks", Ago(Noonish, new TimeSpan(2, 10, 0)), [0.85f, (float)Math.Sqrt(1 - (0.85 * 0.85))]) };

        Evaluate(candidate, rules, Noonish, Amsterdam, history).Check(RuleName.GapSimilar)
            .Should().Be(new RuleCheck(RuleName.GapSimilar, false, "last similar push (snacks bar-1, cosine 0.85 ≥ 0.8) 2h10m ago < 6h"));
    }

    [Fact]
    public void OtherCategoryWithCosineJustBelowTheBoundPasses()
    {
        // Oracle: cos θ = x / ‖(x, y)‖ for the candidate (1, 0); pick x = cos(acos(0.8) + 1e-4) ≈ 0.79994.
        var angle = Math.Acos(0.8) + 1e-4;
        float[] factor = [(float)Math.Cos(angle), (float)Math.Sin(angle)];
        NotificationRules.Cosine([1, 0], factor).Should().BeLessThan(0.8).And.BeGreaterThan(0.7999);
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6), SimilarCosine = 0.8 };
        var history = new[] { Push("bar-1", "snacks", Ago(Noonish, TimeSpan.FromMinutes(1)), factor) };

        Evaluate(Drink with { Factor = [1, 0] }, rules, Noonish, Amsterdam, history).Check(RuleName.GapSimilar).Passed.Should().BeTrue();
        Evaluate(Drink with { Factor = [1, 0] }, rules with { SimilarCosine = 0.7999 }, Noonish, Amsterdam, history)
            .Check(RuleName.GapSimilar).Passed.Should().BeFalse();
    }

    [Fact]
    public void FactorsOfDifferentLengthsOrMissingFallBackToTheCategory()
    {
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6), SimilarCosine = 0.5 };
        var recent = Ago(Noonish, TimeSpan.FromMinutes(1));

        Evaluate(Drink with { Factor = [1, 0] }, rules, Noonish, history: [Push("bar-1", "snacks", recent, [1, 0, 0])])
            .Check(RuleName.GapSimilar).Passed.Should().BeTrue();
        Evaluate(Drink with { Factor = null }, rules, Noonish, history: [Push("bar-1", "snacks", recent, [1, 0])])
            .Check(RuleName.GapSimilar).Passed.Should().BeTrue();
        Evaluate(Drink with { Factor = [1, 0] }, rules, Noonish, history: [Push("bar-1", "snacks", recent, [float.NaN, 0])])
            .Check(RuleName.GapSimilar).Passed.Should().BeTrue();
        Evaluate(Drink with { Factor = [] }, rules, Noonish, history: [Push("bar-1", "snacks", recent, [])])
            .Check(RuleName.GapSimilar).Passed.Should().BeTrue();
    }

    [Fact]
    public void PushesInTheFutureOfNowAreIgnoredForGapAndReeligibility()
    {
        var rules = Open with { GapSimilar = TimeSpan.FromHours(6), ReeligibleAfter = TimeSpan.FromHours(72) };
        var history = new[] { Push("drink-3", "drinks", Noonish + TimeSpan.FromMinutes(10).Ticks) };

        var verdict = Evaluate(Drink, rules, Noonish, Amsterdam, history);

        verdict.Check(RuleName.GapSimilar).Passed.Should().BeTrue();
        verdict.Check(RuleName.Reeligible).Passed.Should().BeTrue();
        verdict.Check(RuleName.CapDay).Detail.Should().Be("1 of 100 today", "a future push on the same local day still counts");
    }

    [Fact]
    public void SameItemWithinTheReeligibilityWindowFails()
    {
        var rules = Open with { ReeligibleAfter = TimeSpan.FromHours(72) };

        Evaluate(Drink, rules, Noonish, history: [Push("drink-3", "drinks", Ago(Noonish, TimeSpan.FromHours(71)))])
            .Check(RuleName.Reeligible).Should().Be(new RuleCheck(RuleName.Reeligible, false, "drink-3 last pushed 71h ago < 72h"));
        Evaluate(Drink, rules, Noonish, history: [Push("drink-3", "drinks", Ago(Noonish, TimeSpan.FromHours(72)))])
            .Check(RuleName.Reeligible).Should().Be(new RuleCheck(RuleName.Reeligible, true, "drink-3 last pushed 72h ago ≥ 72h"));
        Evaluate(Drink, rules, Noonish, history: [Push("drink-4", "drinks", Ago(Noonish, TimeSpan.FromHours(1)))])
            .Check(RuleName.Reeligible).Should().Be(new RuleCheck(RuleName.Reeligible, true, "drink-3 not pushed before"));
    }

    [Fact]
    public void StaleStateFails()
    {
        var rules = Open with { StalenessMax = TimeSpan.FromMinutes(5) };

        Evaluate(Drink, rules, Noonish, state: Ago(Noonish, TimeSpan.FromMinutes(5))).Check(RuleName.Staleness)
            .Should().Be(new RuleCheck(RuleName.Staleness, true, "state 5m old ≤ 5m"));
        Evaluate(Drink, rules, Noonish, state: Ago(Noonish, TimeSpan.FromSeconds(301))).Check(RuleName.Staleness)
            .Should().Be(new RuleCheck(RuleName.Staleness, false, "state 5m1s old > 5m"));
        Evaluate(Drink, rules, Noonish, state: Noonish + TimeSpan.FromSeconds(12).Ticks).Check(RuleName.Staleness)
            .Should().Be(new RuleCheck(RuleName.Staleness, true, "state 12s ahead of the clock"));
    }

    [Fact]
    public void DayCapCountsPushesOfTheLocalDay()
    {
        var rules = Open with { CapDay = 3 };
        long now = At(2026, 6, 10, 20, 0, +2);
        var two = new[] { Push("a", "x", At(2026, 6, 10, 8, 0, +2)), Push("b", "y", At(2026, 6, 10, 12, 0, +2)) };
        var three = two.Append(Push("c", "z", At(2026, 6, 10, 19, 0, +2))).ToArray();

        Evaluate(Drink, rules, now, Amsterdam, two).Check(RuleName.CapDay).Should().Be(new RuleCheck(RuleName.CapDay, true, "2 of 3 today"));
        Evaluate(Drink, rules, now, Amsterdam, three).Check(RuleName.CapDay).Should().Be(new RuleCheck(RuleName.CapDay, false, "3 of 3 today"));
    }

    [Fact]
    public void PushesAt2330And0030LocalAreOnDifferentDays()
    {
        var rules = Open with { CapDay = 1 };
        var history = new[] { Push("a", "x", At(2026, 6, 10, 23, 30, +2)) };

        Evaluate(Drink, rules, At(2026, 6, 11, 0, 30, +2), Amsterdam, history).Check(RuleName.CapDay).Detail.Should().Be("0 of 1 today");
        Evaluate(Drink, rules, At(2026, 6, 10, 23, 50, +2), Amsterdam, history).Check(RuleName.CapDay).Passed.Should().BeFalse();
    }

    [Fact]
    public void SameUtcDayCanBeDifferentLocalDaysAndViceVersa()
    {
        var rules = Open with { CapDay = 1 };

        // Kolkata (+5:30): 18:00 and 19:00 UTC on 10 June are 23:30 on the 10th and 00:30 on the 11th.
        Evaluate(Drink, rules, At(2026, 6, 10, 19, 0), Kolkata, [Push("a", "x", At(2026, 6, 10, 18, 0))])
            .Check(RuleName.CapDay).Passed.Should().BeTrue();
        // The same two instants in UTC are one day.
        Evaluate(Drink, rules, At(2026, 6, 10, 19, 0), "UTC", [Push("a", "x", At(2026, 6, 10, 18, 0))])
            .Check(RuleName.CapDay).Passed.Should().BeFalse();
        // New York (−4): 23:00 UTC on the 10th and 01:00 UTC on the 11th are both 10 June local.
        Evaluate(Drink, rules, At(2026, 6, 11, 1, 0), NewYork, [Push("a", "x", At(2026, 6, 10, 23, 0))])
            .Check(RuleName.CapDay).Passed.Should().BeFalse();
        // Sydney (+10): 13:30 and 14:30 UTC are 23:30 and 00:30 the next day.
        Evaluate(Drink, rules, At(2026, 6, 10, 14, 30), Sydney, [Push("a", "x", At(2026, 6, 10, 13, 30))])
            .Check(RuleName.CapDay).Passed.Should().BeTrue();
    }

    [Fact]
    public void DayCapFollowsTheLocalDayAcrossADstChange()
    {
        // Amsterdam 2026-03-29: 22:30 UTC on the 28th is 23:30 CET (28th); 22:30 UTC on the 29th is 00:30 CEST (30th).
        var rules = Open with { CapDay = 1 };
        var history = new[] { Push("a", "x", At(2026, 3, 29, 0, 30, +1)) }; // 00:30 CET on the 29th

        Evaluate(Drink, rules, At(2026, 3, 29, 23, 30, +2), Amsterdam, history).Check(RuleName.CapDay).Passed.Should().BeFalse();
        Evaluate(Drink, rules, At(2026, 3, 29, 22, 30), Amsterdam, history).Check(RuleName.CapDay).Passed.Should().BeTrue();
    }

    [Fact]
    public void CapOfZeroNeverSends()
    {
        var verdict = Evaluate(Drink, Open with { CapDay = 0 }, Noonish, Amsterdam);
        verdict.FailedRule.Should().Be(RuleName.CapDay);
        verdict.Check(RuleName.CapDay).Detail.Should().Be("0 of 0 today");

        Evaluate(Drink, Open with { CapWeek = 0 }, Noonish, Amsterdam).FailedRule.Should().Be(RuleName.CapWeek);
    }

    [Fact]
    public void WeekCapCountsTheLocalIsoWeekFromMonday()
    {
        // Sunday 2026-06-14 20:00 CEST; its ISO week starts Monday 2026-06-08 00:00 CEST (22:00 UTC on the 7th).
        long now = At(2026, 6, 14, 20, 0, +2);
        var rules = Open with { CapWeek = 3 };
        var history = new[]
        {
            Push("a", "x", At(2026, 6, 7, 23, 59, +2)),  // Sunday before: previous week
            Push("b", "x", At(2026, 6, 8, 0, 0, +2)),    // Monday 00:00 local (still the 7th in UTC)
            Push("c", "x", At(2026, 6, 11, 12, 0, +2)),
            Push("d", "x", At(2026, 6, 1, 12, 0, +2)),   // two weeks ago
        };

        Evaluate(Drink, rules, now, Amsterdam, history).Check(RuleName.CapWeek)
            .Should().Be(new RuleCheck(RuleName.CapWeek, true, "2 of 3 this week"));
        Evaluate(Drink, rules, now, Amsterdam, history.Append(Push("e", "x", At(2026, 6, 14, 9, 0, +2))).ToArray())
            .Check(RuleName.CapWeek).Should().Be(new RuleCheck(RuleName.CapWeek, false, "3 of 3 this week"));
        // Monday 2026-06-15 00:30 local is a new week.
        Evaluate(Drink, rules, At(2026, 6, 15, 0, 30, +2), Amsterdam, history).Check(RuleName.CapWeek).Detail.Should().Be("0 of 3 this week");
    }

    [Fact]
    public void FuturePushesCountForCapsOnlyOnTheSameLocalDay()
    {
        long now = At(2026, 6, 10, 22, 0, +2);
        var rules = Open with { CapDay = 10, CapWeek = 10 };
        var history = new[]
        {
            Push("a", "x", At(2026, 6, 10, 23, 0, +2)), // later today
            Push("b", "x", At(2026, 6, 11, 9, 0, +2)),  // tomorrow, same ISO week
        };

        var verdict = Evaluate(Drink, rules, now, Amsterdam, history);

        verdict.Check(RuleName.CapDay).Detail.Should().Be("1 of 10 today");
        verdict.Check(RuleName.CapWeek).Detail.Should().Be("1 of 10 this week");
    }

    [Fact]
    public void HistoryWithNullsOrOutOfRangeTicksIsSkipped()
    {
        var history = new[]
        {
            null!,
            Push("a", "x", -1),
            Push("b", "x", long.MaxValue),
            Push("c", "x", DateTime.MaxValue.Ticks),
            Push("d", "x", 0),
            new PushRecord("n", null!, null!, Noonish, null),
        };

        var verdict = Evaluate(Drink, Open with { GapSimilar = TimeSpan.FromHours(6) }, Noonish, Sydney, history);

        verdict.Check(RuleName.CapDay).Detail.Should().Be("1 of 100 today");
        verdict.Send.Should().BeTrue();
    }

    [Fact]
    public void ExtremeClockValuesDoNotThrow()
    {
        var verdict = Evaluate(Drink, EffectiveRules.Defaults, DateTime.MaxValue.Ticks, Sydney, [Push("a", "x", DateTime.MaxValue.Ticks - 1)]);
        verdict.Checks.Should().HaveCount(8);

        Evaluate(Drink, EffectiveRules.Defaults, 0, NewYork, [Push("a", "x", 0)]).Checks.Should().HaveCount(8);

        var negative = () => Evaluate(Drink, EffectiveRules.Defaults, -1);
        negative.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void BelowThresholdIsExploredWhenTheDrawIsBelowTheRate()
    {
        var rules = Open with { Threshold = 0.75, ExploreRate = 0.05 };
        var weak = Drink with { Osr = 0.4 };

        var explored = Evaluate(weak, rules, Noonish, Amsterdam, draw: 0.049);
        explored.FailedRule.Should().Be(RuleName.Threshold);
        explored.Explored.Should().BeTrue();
        explored.Send.Should().BeTrue();
        explored.SendProbability.Should().Be(0.05);

        var notExplored = Evaluate(weak, rules, Noonish, Amsterdam, draw: 0.05);
        notExplored.Explored.Should().BeFalse();
        notExplored.Send.Should().BeFalse();
        notExplored.SendProbability.Should().Be(0.05, "the chance it had of being explored");

        Evaluate(weak, rules with { ExploreRate = 0 }, Noonish, Amsterdam, draw: 0).Explored.Should().BeFalse();
        Evaluate(weak, rules, Noonish, Amsterdam, draw: double.NaN).Explored.Should().BeFalse();
    }

    [Fact]
    public void ExplorationShareOverManyDrawsMatchesTheRate()
    {
        var rules = Open with { Threshold = 0.75, ExploreRate = 0.05 };
        var draws = Enumerable.Range(0, 10_000).Select(i => (i + 0.5) / 10_000);

        var explored = draws.Count(d => Evaluate(Drink with { Osr = 0.4 }, rules, Noonish, draw: d).Explored);

        explored.Should().Be(500);
    }

    public static TheoryData<string> Blockers => new() { "optout", "optout-category", "optout-channels", "quiet", "gap", "cap.day", "cap.week", "reeligible", "staleness" };

    [Theory]
    [MemberData(nameof(Blockers))]
    public void ExplorationNeverOverridesAnyOtherRule(string blocker)
    {
        long now = At(2026, 6, 10, 14, 0, +2);
        var rules = Open with { Threshold = 0.75, ExploreRate = 1 };
        var history = new List<PushRecord>();
        long state = now;
        switch (blocker)
        {
            case "optout": rules = rules with { OptOut = new OptOutState(true, false, false, false) }; break;
            case "optout-category": rules = rules with { OptOut = new OptOutState(false, false, false, true) }; break;
            case "optout-channels": rules = rules with { OptOut = new OptOutState(false, true, true, false) }; break;
            case "quiet": rules = rules with { QuietStart = new TimeOnly(13, 0), QuietEnd = new TimeOnly(15, 0) }; break;
            case "gap": rules = rules with { GapSimilar = TimeSpan.FromHours(6) }; history.Add(Push("drink-1", "drinks", now - TimeSpan.FromHours(1).Ticks)); break;
            case "cap.day": rules = rules with { CapDay = 1 }; history.Add(Push("bar-1", "snacks", At(2026, 6, 10, 9, 0, +2))); break;
            case "cap.week": rules = rules with { CapWeek = 1 }; history.Add(Push("bar-1", "snacks", At(2026, 6, 8, 9, 0, +2))); break;
            case "reeligible": rules = rules with { ReeligibleAfter = TimeSpan.FromHours(72) }; history.Add(Push("drink-3", "other", now - TimeSpan.FromHours(48).Ticks)); break;
            case "staleness": state = now - TimeSpan.FromMinutes(6).Ticks; break;
        }

        for (int i = 0; i < 1000; i++)
        {
            double draw = i / 1000.0;
            foreach (var osr in new[] { 0.0, 0.4, 0.7499, 0.9 })
            {
                var verdict = Evaluate(Drink with { Osr = osr }, rules, now, Amsterdam, history, state, draw);

                verdict.Send.Should().BeFalse($"{blocker} blocks at draw {draw}, osr {osr}");
                verdict.Explored.Should().BeFalse();
                verdict.SendProbability.Should().Be(0);
                verdict.Checks.Should().Contain(c => !c.Passed && c.Rule != RuleName.Threshold);
            }
        }
    }

    [Fact]
    public void ResolvedRulesAndEvaluationWorkTogether()
    {
        // Admin: drinks need 0.8 and a 2h gap; u-7 gets at most 1 push a day; u-7 opted out of drinks on webhook only.
        var set = RuleSet.Defaults
            .Set(RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.8")
            .Set(RuleKeys.GapSimilar, RuleScope.ForCategory("drinks"), "2h")
            .Set(RuleKeys.CapDay, RuleScope.ForUser("u-7"), "1")
            .Set(RuleKeys.OptOut, RuleScope.ForUser("u-7"), "webhook");
        long now = At(2026, 6, 10, 18, 0, -4); // 18:00 EDT
        var history = new[] { Push("drink-1", "drinks", At(2026, 6, 10, 15, 0, -4)) };
        var rules = set.Resolve("u-7", "runners", "drink-3", "drinks");

        var weak = NotificationRules.Evaluate(Drink with { Osr = 0.79 }, rules, NewYork, history, now, now, 0.5);
        weak.FailedRule.Should().Be(RuleName.Threshold);

        var strong = NotificationRules.Evaluate(Drink with { Osr = 0.85 }, rules, NewYork, history, now, now, 0.5);
        strong.FailedRule.Should().Be(RuleName.CapDay);
        strong.Check(RuleName.GapSimilar).Detail.Should().Be("last drinks push 3h ago ≥ 2h");
        strong.Check(RuleName.OptOut).Passed.Should().BeTrue();

        var otherUser = set.Resolve("u-8", null, "drink-3", "drinks");
        NotificationRules.Evaluate(Drink with { Osr = 0.85 }, otherUser, NewYork, history, now, now, 0.5).Send.Should().BeTrue();
    }

    [Fact]
    public void CosineMatchesTheDefinition()
    {
        // Oracle: cos θ = a·b / (‖a‖‖b‖) by hand: (1·2 + 2·1 + 2·2) / (3 · 3) = 8/9.
        NotificationRules.Cosine([1, 2, 2], [2, 1, 2]).Should().BeApproximately(8.0 / 9.0, 1e-12);
        NotificationRules.Cosine([1, 0], [-1, 0]).Should().Be(-1);
        NotificationRules.Cosine([3, 4], [6, 8]).Should().BeApproximately(1, 1e-12);
        NotificationRules.Cosine([0, 0], [1, 1]).Should().Be(0);
        NotificationRules.Cosine([], []).Should().Be(0);
        double.IsNaN(NotificationRules.Cosine([float.NaN, 1], [1, 1])).Should().BeTrue();

        var mismatch = () => NotificationRules.Cosine([1, 2], [1, 2, 3]);
        mismatch.Should().Throw<ArgumentException>();
    }
}
