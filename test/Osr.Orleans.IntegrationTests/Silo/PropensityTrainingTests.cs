using Osr.Orleans.Client.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>
/// <c>model train propensity</c> end to end on the real silo: logged decisions (features as they
/// were at decision time) and their feedback in the real decision log → training through the
/// registry → evaluated on a held-out time split → promoted → served by the scorer grain.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class PropensityTrainingTests(SiloFixture silo)
{
    private static readonly DateTimeOffset Start = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task LoggedDecisionsWithPlantedReceptivityTrainAModelThatIsPromotedAndRanksRecoveryAboveSleep()
    {
        var log = silo.Services.GetRequiredService<IDecisionLog>();
        var examples = PlantedReceptivity.Generate(6_000, 3, Start.UtcTicks);
        var i = 0;
        foreach (var chunk in examples.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(e => LogAsync(log, e, i++)));
        }

        var job = await Jobs.TrainAsync(silo.Grains, "propensity");

        job.State.Should().Be(TrainingState.Succeeded, job.Message);
        job.Metrics!["auc"].Should().BeGreaterThan(0.65, "the planted receptivity is learnable (held-out, newest 20 %)");
        job.Metrics["logloss"].Should().BeLessThan(job.Metrics["baseline.logloss"]);
        job.Promoted.Should().BeTrue(job.Message);
        var registry = silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        (await registry.GetActiveAsync("propensity")).Should().Be(job.Version);
        (await registry.ListAsync()).Should().Contain(v => v.Kind == "propensity" && v.Version == job.Version && v.Active);

        var scorer = silo.Grains.GetGrain<IPropensityScorerGrain>(job.Version!);
        var recovering = await scorer.ScoreAsync(new PropensityRequest("post-workout", State(hr: 120, intensity: 0.5, sinceWorkout: 10, hour: 18.5), ["drinks", "recipes"]));
        var asleep = await scorer.ScoreAsync(new PropensityRequest("sleep", State(hr: 52, intensity: 0.02, sinceWorkout: 600, hour: 3), ["drinks", "recipes"]));
        recovering[0].Should().BeGreaterThan(asleep[0] * 3, "drinks are planted as accepted after workouts and almost never asleep");
        recovering[0].Should().BeGreaterThan(recovering[1], "after a workout, drinks beat recipes");

        // Rolling back returns to the neutral prior.
        (await registry.RollbackAsync("propensity")).Ok.Should().BeFalse("there was no earlier propensity version");
    }

    [Fact]
    public async Task AnUnknownModelKindIsRefusedWithTheKnownOnes()
    {
        var registry = silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        var job = await registry.StartTrainingAsync("propensity-typo", promoteIfBetter: false);
        job.State.Should().Be(TrainingState.Failed);
        job.Message.Should().Contain("unknown model kind").And.Contain("propensity");
    }

    private static Task LogAsync(IDecisionLog log, DecisionExample e, int n)
    {
        var id = DecisionIds.For("pt-user-" + (n % 200), e.DecidedUtcTicks + n);
        var features = DecisionFeatures.ToArray(e.Features);
        var record = new DecisionRecord(id, "pt-user-" + (n % 200), e.Category + "-1", e.Category, e.Label.Name(), features,
            e.DecidedUtcTicks, e.DecidedUtcTicks, DecisionOutcomes.Sent, e.SendProbability < 1 ? DecisionOutcomes.Explore : "",
            1, 0.5, 0.5, 0.8, 0.75, e.SendProbability, "prior", "als-v1", "a", "runners");
        return AppendAsync(log, record, e.Accepted ? FeedbackAction.Converted : FeedbackAction.Opened);
    }

    private static async Task AppendAsync(IDecisionLog log, DecisionRecord record, FeedbackAction action)
    {
        await log.AppendDecisionAsync(record);
        await log.AppendFeedbackAsync(new FeedbackRecord(record.DecisionId, record.UserId, FeedbackAction.Delivered, record.DecidedUtcTicks));
        await log.AppendFeedbackAsync(new FeedbackRecord(record.DecisionId, record.UserId, action, record.DecidedUtcTicks + TimeSpan.TicksPerMinute));
    }

    private static double[] State(double hr, double intensity, double sinceWorkout, double hour)
    {
        var f = new FeatureVector(hr, hr / 187, 0, 0, 0, 0.1, intensity, 10, sinceWorkout, hour, 2, 2, double.NaN);
        return DecisionFeatures.ToArray(f);
    }
}
