using Osr.Orleans.Models.Rules;
using static Osr.Orleans.UnitTests.Rules.RuleTestKit;

namespace Osr.Orleans.UnitTests.Rules;

public sealed class CandidateChoiceTests
{
    private static readonly double[] Half = [0.5, 0.5, 0.5];
    private static readonly double[] NoExplore = [0, 0, 0];

    [Fact]
    public void ChoosesTheBestScoreEveryRuleAllows()
    {
        // By hand: candidate 1 has the best score but a hard rule refuses it; 2 beats 0.
        var choice = CandidateChoice.Choose([0.6, 0.95, 0.8], [true, false, true], Half, NoExplore, 0.99);
        choice.Should().Be(new Choice(2, false));
    }

    [Fact]
    public void ExploresTheBestThresholdOnlyFailureWhenTheDrawIsBelowItsRate()
    {
        double[] rates = [0.1, 0.1, 0.1];
        CandidateChoice.Choose([0.3, 0.4, 0.9], [true, true, false], Half, rates, 0.05).Should().Be(new Choice(1, true));
        CandidateChoice.Choose([0.3, 0.4, 0.9], [true, true, false], Half, rates, 0.15).Should().Be(Choice.None);
    }

    [Fact]
    public void ProbabilityOfTheActionMatchesTheDrawsByHand()
    {
        // Three draws of two candidates, threshold 0.5, explore.rate 0.2:
        //   row 0: 0.9, 0.6 → candidate 0;  row 1: 0.4, 0.7 → candidate 1;  row 2: 0.3, 0.2 → explore 0 (0.2) or nothing (0.8).
        double[] rows = [0.9, 0.6, 0.4, 0.7, 0.3, 0.2];
        bool[] allowed = [true, true];
        double[] thresholds = [0.5, 0.5];
        double[] rates = [0.2, 0.2];
        CandidateChoice.Probability(0, rows, allowed, thresholds, rates).Should().BeApproximately((1 + 0.2) / 3, 1e-12);
        CandidateChoice.Probability(1, rows, allowed, thresholds, rates).Should().BeApproximately(1.0 / 3, 1e-12);
        CandidateChoice.Probability(-1, rows, allowed, thresholds, rates).Should().BeApproximately(0.8 / 3, 1e-12);
    }

    [Fact]
    public void ExplorationNeverBreaksAHardRule()
    {
        // Candidates in quiet hours, over the day's cap or inside the gap are never chosen, whatever
        // the scores, the thresholds and the exploration draw.
        var now = At(2026, 11, 3, 23, 30); // 23:30 UTC: quiet hours by default
        var history = new[] { Push("gear-1", "gear", now - TimeSpan.FromHours(1).Ticks) };
        var rules = Open with { ExploreRate = 1, QuietStart = new TimeOnly(22, 0), QuietEnd = new TimeOnly(7, 0) };
        var rng = new Random(9);
        for (var trial = 0; trial < 500; trial++)
        {
            var candidates = new[]
            {
                new RuleCandidate("drink-1", "drinks", rng.NextDouble(), null),
                new RuleCandidate("gear-2", "gear", rng.NextDouble(), null),
            };
            var quiet = trial % 2 == 0;
            var effective = quiet ? rules : rules with { QuietStart = new TimeOnly(0, 0), QuietEnd = new TimeOnly(0, 0), GapSimilar = TimeSpan.FromHours(6) };
            var verdicts = candidates.Select(c => NotificationRules.Evaluate(c, effective, "UTC", history, now, now, rng.NextDouble())).ToArray();
            var allowed = verdicts.Select(CandidateChoice.HardAllowed).ToArray();
            var osr = candidates.Select(c => c.Osr).ToArray();
            var choice = CandidateChoice.Choose(osr, allowed, [rng.NextDouble(), rng.NextDouble()], [1, 1], rng.NextDouble());
            if (quiet) choice.Send.Should().BeFalse("quiet hours hold for exploration too");
            else if (choice.Send) candidates[choice.Index].Category.Should().Be("drinks", "gear was pushed 1 h ago, inside the 6 h gap");
        }
    }
}
