using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class PlantedReceptivityTests
{
    [Fact]
    public void TableMatchesTheDocumentation()
    {
        var post = ScoringTestKit.State(ActivityLabel.PostWorkout, 18, 15);
        var asleep = ScoringTestKit.State(ActivityLabel.Sleep, 3, 600);
        PlantedReceptivity.Probability(ActivityLabel.PostWorkout, "drinks", post).Should().Be(0.45);
        PlantedReceptivity.Probability(ActivityLabel.Sleep, "drinks", asleep).Should().Be(0.01);
        PlantedReceptivity.Probability(ActivityLabel.PostWorkout, "drinks", post with { MinutesSinceWorkout = 90 }).Should().BeApproximately(0.225, 1e-15);
        PlantedReceptivity.Probability(ActivityLabel.Rest, "drinks", ScoringTestKit.State(ActivityLabel.Rest, 12, 30)).Should().BeApproximately(0.16, 1e-15);
        PlantedReceptivity.Probability(ActivityLabel.Rest, "recipes", ScoringTestKit.State(ActivityLabel.Rest, 19)).Should().BeApproximately(0.48, 1e-15);
        PlantedReceptivity.Probability(ActivityLabel.Rest, "recipes", ScoringTestKit.State(ActivityLabel.Rest, 7)).Should().BeApproximately(0.12, 1e-15);
        PlantedReceptivity.Probability(ActivityLabel.Rest, "programs", ScoringTestKit.State(ActivityLabel.Rest, 8)).Should().BeApproximately(0.225, 1e-15);
        PlantedReceptivity.Probability(ActivityLabel.Commute, "unheard-of", FeatureVector.Unknown).Should().Be(0.05);
        PlantedReceptivity.Categories.Should().Equal("drinks", "stretching", "programs", "gear", "recipes", "posts");
    }

    [Fact]
    public void GenerateIsDeterministicAndRealistic()
    {
        var a = PlantedReceptivity.Generate(5000, seed: 4, ScoringTestKit.Start);
        var b = PlantedReceptivity.Generate(5000, seed: 4, ScoringTestKit.Start);
        a.Should().Equal(b, (x, y) => x.DecidedUtcTicks == y.DecidedUtcTicks && x.Label == y.Label && x.Category == y.Category
            && x.Accepted == y.Accepted && x.SendProbability == y.SendProbability && x.Features.Hr.Equals(y.Features.Hr));
        PlantedReceptivity.Generate(50, seed: 5, ScoringTestKit.Start).Select(e => e.Features.Hr)
            .Should().NotEqual(a.Take(50).Select(e => e.Features.Hr));

        a.Select(e => e.DecidedUtcTicks).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        a[0].DecidedUtcTicks.Should().BeGreaterThan(ScoringTestKit.Start);
        a.Count(e => e.SendProbability < 1).Should().BeInRange(400, 600, "about 10 % are explored");
        a.Where(e => e.SendProbability < 1).Should().OnlyContain(e => e.SendProbability == PlantedReceptivity.ExploreRate);
        a.Select(e => e.Category).Distinct().Should().BeEquivalentTo(PlantedReceptivity.Categories);
        a.Should().OnlyContain(e => e.Features.LocalHour >= 0 && e.Features.LocalHour < 24 || double.IsNaN(e.Features.LocalHour));
        a.Where(e => e.Label == ActivityLabel.Workout && !double.IsNaN(e.Features.Intensity)).Average(e => e.Features.Intensity).Should().BeInRange(0.8, 1.0);
        a.Where(e => e.Label == ActivityLabel.Sleep && !double.IsNaN(e.Features.Hr)).Average(e => e.Features.Hr).Should().BeInRange(50, 60);
        a.Where(e => e.Label == ActivityLabel.PostWorkout && !double.IsNaN(e.Features.MinutesSinceWorkout)).Should().OnlyContain(e => e.Features.MinutesSinceWorkout <= 45);

        // Outcomes follow the planted probabilities.
        var expected = a.Sum(e => PlantedReceptivity.Probability(e.Label, e.Category, e.Features));
        a.Count(e => e.Accepted).Should().BeCloseTo((int)expected, (uint)(4 * Math.Sqrt(expected)));
    }
}
