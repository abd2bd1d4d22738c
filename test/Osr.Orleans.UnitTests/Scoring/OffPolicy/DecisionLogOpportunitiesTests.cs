using Osr.Orleans.Models.Scoring.OffPolicy;

namespace Osr.Orleans.UnitTests.Scoring.OffPolicy;

public sealed class DecisionLogOpportunitiesTests
{
    [Fact]
    public void PushesAndThresholdHoldsAreOpportunitiesWithTheirSendProbability()
    {
        // Rule send: μ = 1, a = raw / p = 0.3 / 0.6 = 0.5.
        DecisionLogOpportunities.FromLog(true, false, false, 1, 0.3, 0.6, true, 0.05)
            .Should().Be(new LoggedOpportunity(true, true, 1, 0.5, true));

        // Exploration send with its logged probability; an old log without it gets ε.
        DecisionLogOpportunities.FromLog(true, true, false, 0.1, -0.2, 0.4, false, 0.05)
            .Should().Be(new LoggedOpportunity(true, false, 0.1, -0.5, false));
        DecisionLogOpportunities.FromLog(true, true, false, 0, -0.2, 0.4, false, 0.05)!.Value.SendProbability.Should().Be(0.05);

        // Held by the threshold: μ(send) = ε; never converted.
        DecisionLogOpportunities.FromLog(false, false, true, 0, 0.1, 0.5, false, 0.05)
            .Should().Be(new LoggedOpportunity(false, false, 0.05, 0.2, false));

        // Held by a hard rule, or a score that gives no affinity: not an opportunity.
        DecisionLogOpportunities.FromLog(false, false, false, 0, 0.1, 0.5, false, 0.05).Should().BeNull();
        DecisionLogOpportunities.FromLog(true, false, false, 1, 0.1, 0, false, 0.05).Should().BeNull();
        DecisionLogOpportunities.FromLog(true, false, false, 1, double.NaN, 0.5, false, 0.05).Should().BeNull();
    }

    [Fact]
    public void TheExplorationFloorIsTheMedianLoggedExplorationProbability()
    {
        DecisionLogOpportunities.ExploreFloor([0.1, 0.05, 0.1, 1, 0], 0.2).Should().Be(0.1); // valid 0.05, 0.1, 0.1
        DecisionLogOpportunities.ExploreFloor([], 0.05).Should().Be(0.05);
        var bad = () => DecisionLogOpportunities.ExploreFloor([], 1);
        bad.Should().Throw<ArgumentOutOfRangeException>();
    }
}
