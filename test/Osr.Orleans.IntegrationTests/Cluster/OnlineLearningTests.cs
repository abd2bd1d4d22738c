using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Cluster;

/// <summary>The throttle and the online learner on the test cluster: deferral of uncertain states, the logged Thompson probability, feedback reaching the learner.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OnlineLearningTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AnUncertainStateIsDeferredNotGuessed()
    {
        var decision = await DecideAsync("ol-uncertain", Noon, uncertain: "heart rate σ 9.0 bpm > 6.0");

        decision.Outcome.Should().Be("suppressed");
        decision.Reason.Should().Be("uncertain");
        decision.Detail.Should().Be("suppressed: uncertain — heart rate σ 9.0 bpm > 6.0");
        decision.SendProbability.Should().Be(0);
        RecordingSink.Instance.For("ol-uncertain").Should().BeEmpty();
    }

    [Fact]
    public async Task TheProbabilityOfTheChosenItemIsEstimatedOverTheDraws()
    {
        // Four draws of two candidates (threshold 0.75, explore.rate 0.05): drinks wins rows 0, 1 and 3,
        // gear row 2 → P(drinks) = 3/4. The threshold is pinned for this user: a learned one would first observe
        // the user's passes and send nothing by score.
        var rules = fixture.Grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        (await rules.SetAsync(RuleKeys.Threshold, RuleScope.ForUser("ol-draws"), "0.75")).Ok.Should().BeTrue();
        var version = await rules.GetVersionAsync();
        var caches = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<RulesCache>()).ToArray();
        await Poll.ForAsync(() => Task.FromResult(caches.All(c => c.Current.Version >= version)), ok => ok, "the rule reaches every silo");
        double[] draws = [0.9, 0.8, 0.95, 0.7, 0.6, 0.85, 0.8, 0.2];
        var decision = await DecideAsync("ol-draws", Noon, draws: draws);

        decision.Outcome.Should().Be("sent");
        decision.ItemId.Should().Be("drinks-1");
        decision.SendProbability.Should().BeApproximately(0.75, 1e-12);
        decision.Detail.Should().StartWith("sent (p = 0.75)");
    }

    [Fact]
    public async Task FeedbackOnAPushReachesTheLearner()
    {
        var learner = fixture.Grains.GetGrain<IPropensityLearnerGrain>(GrainKeys.Global);
        var before = await learner.GetPosteriorAsync(-1);
        var sent = await DecideAsync("ol-feedback", Noon);
        sent.Outcome.Should().Be("sent");

        var throttle = fixture.Grains.GetGrain<INotificationThrottleGrain>("ol-feedback");
        (await throttle.RecordFeedbackAsync(sent.NotificationId, FeedbackAction.Converted, Noon.AddSeconds(30).UtcTicks))
            .Should().Be(Models.Readings.RejectReason.None);
        (await throttle.RecordFeedbackAsync(sent.NotificationId, FeedbackAction.Converted, Noon.AddSeconds(31).UtcTicks))
            .Should().Be(Models.Readings.RejectReason.None); // a redelivery is not learned twice

        var after = await Poll.ForAsync(() => learner.GetPosteriorAsync(-1).AsTask(),
            s => s!.Positives[0] >= before!.Positives[0] + 1 && s.Positives[1] >= before.Positives[1] + 1, "the conversion reaches the learner");
        after!.Keys.Should().NotBeEmpty();
    }

    [Fact]
    public async Task TheLearnedThresholdIsTakenOverThePassesScoredUnderThePassesDraw()
    {
        // 30 passes a quarter of an hour apart observe (BudgetMinSamples 30); each carries its draw and its state's
        // signature, which the throttle records. From the 31st on the learned threshold applies, taken over the recorded
        // passes scored again under that pass's draw — the decision's detail says so.
        var context = new Models.Scoring.PropensityContext(Models.Features.ActivityLabel.PostWorkout,
            Models.Features.FeatureVector.Unknown with { LocalHour = 12 }, "runners");
        var signature = Models.Scoring.OnlinePropensity.Signature(in context);
        var start = Noon.AddHours(-4);
        DecisionView? last = null;
        for (var k = 0; k <= 30; k++)
        {
            last = await DecideAsync("ol-rescore", start.AddMinutes(15 * k), draws: [0.9, 0.8, 0.85, 0.7],
                draw: new PassDraw(signature, (ulong)(1000 + k), 1, -1, 1));
            if (k < 30) Threshold(last).Detail.Should().Contain("observing", $"pass {k} still observes");
        }
        // One state throughout: every moment is the user's average one, so the timing gate (TimingLift 1) adds nothing.
        Threshold(last!).Detail.Should().Contain("learned: ").And.EndWith("of 30 recent passes scored under this draw)");

        static RuleCheck Threshold(DecisionView decision) => decision.Checks.Single(c => c.Rule == RuleName.Threshold);
    }

    private async Task<DecisionView> DecideAsync(string userId, DateTimeOffset at, string? uncertain = null, double[]? draws = null,
        PassDraw? draw = null)
    {
        ScoredCandidate[] scored =
        [
            new("drinks-1", "drinks", 1.0, 1.0, 0.5, 0.5, draws?[0] ?? 0.9, null),
            new("gear-1", "gear", 0.5, -1.0, 0.5, -0.5, draws?[1] ?? 0.8, null),
        ];
        var features = Enumerable.Repeat(double.NaN, 13).ToArray();
        features[9] = 12; // local hour
        var request = new DecisionRequest(userId, "runners", "Europe/Amsterdam", "post-workout", at.UtcTicks, at.UtcTicks, features, "online",
            "als-v1", "a", scored, draws, uncertain, draw);
        return await fixture.Grains.GetGrain<INotificationThrottleGrain>(userId).DecideAsync(request);
    }
}
