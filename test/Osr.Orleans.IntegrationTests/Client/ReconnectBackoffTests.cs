using Osr.Orleans.Client.Simulation;

namespace Osr.Orleans.IntegrationTests.Client;

public class ReconnectBackoffTests
{
    [Theory]
    // Oracle: min(5 s, 250 ms · 2ⁿ⁻¹) · (½ + ½u), computed by hand.
    [InlineData(1, 0.0, 125)]
    [InlineData(1, 0.5, 187.5)]
    [InlineData(2, 0.0, 250)]
    [InlineData(3, 0.999, 999.5)]
    [InlineData(5, 0.0, 2000)]
    [InlineData(6, 0.0, 2500)]
    [InlineData(6, 0.5, 3750)]
    [InlineData(40, 0.0, 2500)]
    public void DelayDoublesUpToTheCapWithJitter(int failures, double u, double expectedMs)
    {
        ReconnectBackoff.Delay(failures, u).TotalMilliseconds.Should().BeApproximately(expectedMs, 0.01);
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1, 1.0)]
    [InlineData(1, -0.1)]
    [InlineData(1, double.NaN)]
    public void DelayRefusesArgumentsOutOfRange(int failures, double u)
    {
        var act = () => ReconnectBackoff.Delay(failures, u);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void TheDevicesOfADeadBrokerSpreadEvenlyOverTheOthers()
    {
        // 3 brokers; devices i = 0, 3, 6, … were on broker 0 (home = i mod 3); spread = i / 3.
        var landed = Enumerable.Range(0, 300).Where(i => i % 3 == 0)
            .Select(i => ReconnectBackoff.NextBroker(0, 3, failures: 1, spread: i / 3))
            .GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());

        landed.Keys.Should().BeEquivalentTo([1, 2]);
        landed[1].Should().Be(50);
        landed[2].Should().Be(50);
    }

    [Fact]
    public void LaterFailuresTryEveryBrokerInTurn()
    {
        var visited = new List<int> { 2 };
        var current = ReconnectBackoff.NextBroker(2, 4, failures: 1, spread: 1);
        visited.Add(current);
        for (var failures = 2; failures <= 4; failures++)
        {
            current = ReconnectBackoff.NextBroker(current, 4, failures, spread: 1);
            visited.Add(current);
        }

        visited.Should().Equal(2, 0, 1, 2, 3);
        visited.Skip(1).Should().BeEquivalentTo([0, 1, 2, 3], "the four attempts after the first failure visit all four brokers");
        ReconnectBackoff.NextBroker(0, 1, 3, 7).Should().Be(0, "with one broker there is nowhere else to go");
    }
}
