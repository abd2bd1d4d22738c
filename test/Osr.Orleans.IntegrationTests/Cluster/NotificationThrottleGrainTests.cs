using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.TestingHost;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Cluster;

/// <summary>The throttle and rules grains on a two-silo test cluster: decisions, pushes, feedback, live rule changes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NotificationThrottleGrainTests(ClusterFixture fixture)
{
    private const string Zone = "Europe/Amsterdam";

    /// <summary>Noon in Amsterdam on a Wednesday (UTC+1 in November).</summary>
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SendsTheBestCandidateEveryRuleAllowsWithItsDecomposition()
    {
        var decision = await DecideAsync("th-send", Noon, ("drinks-1", "drinks", 0.92), ("gear-1", "gear", 0.80));

        decision.Outcome.Should().Be("sent");
        decision.ItemId.Should().Be("drinks-1");
        decision.Reason.Should().BeEmpty();
        decision.Threshold.Should().Be(0.75);
        decision.Checks.Should().OnlyContain(c => c.Passed);
        decision.SendProbability.Should().Be(1);
        decision.ExpiresAt.Should().Be(Noon + TimeSpan.FromMinutes(15));
        var pushes = RecordingSink.Instance.For("th-send");
        pushes.Should().ContainSingle();
        var n = pushes[0].Notification;
        n.NotificationId.Should().Be(decision.NotificationId);
        (n.ItemId, n.Category, n.Osr, n.State, n.Ts).Should().Be(("drinks-1", "drinks", 0.92, "post-workout", Noon));
        pushes[0].Channels.Should().Be(PushChannels.All);
    }

    [Fact]
    public async Task TheSameStateTwiceIsOneDecisionAndOnePush()
    {
        var first = await DecideAsync("th-idem", Noon, ("drinks-1", "drinks", 0.9));
        var second = await DecideAsync("th-idem", Noon, ("drinks-1", "drinks", 0.9));

        second.Should().BeEquivalentTo(first);
        RecordingSink.Instance.For("th-idem").Should().ContainSingle();
    }

    [Fact]
    public async Task ASimilarItemWithinTheGapIsSuppressedAndExplained()
    {
        await DecideAsync("th-gap", Noon, ("drinks-1", "drinks", 0.9));

        var later = await DecideAsync("th-gap", Noon.AddHours(2).AddMinutes(10), ("drinks-2", "drinks", 0.95));

        later.Outcome.Should().Be("suppressed");
        later.Reason.Should().Be("gap.similar");
        later.Detail.Should().StartWith("suppressed: gap.similar — ").And.Contain("2h10m").And.Contain("6h");
        RecordingSink.Instance.For("th-gap").Should().ContainSingle();
    }

    [Fact]
    public async Task ALowerCandidateIsSentWhenTheBestOneIsBlocked()
    {
        await DecideAsync("th-next", Noon, ("drinks-1", "drinks", 0.9));

        var later = await DecideAsync("th-next", Noon.AddHours(1), ("drinks-2", "drinks", 0.95), ("stretch-1", "stretching", 0.85));

        later.Outcome.Should().Be("sent");
        later.ItemId.Should().Be("stretch-1");
    }

    [Fact]
    public async Task NothingIsSentDuringQuietHours()
    {
        var night = new DateTimeOffset(2026, 11, 25, 22, 30, 0, TimeSpan.Zero); // 23:30 in Amsterdam

        var decision = await DecideAsync("th-quiet", night, ("drinks-1", "drinks", 0.99));

        decision.Outcome.Should().Be("suppressed");
        decision.Reason.Should().Be("quiet");
        RecordingSink.Instance.For("th-quiet").Should().BeEmpty();
    }

    [Fact]
    public async Task TheDailyCapCountsPushesOfTheUsersCalendarDay()
    {
        string[] categories = ["drinks", "gear", "programs", "recipes"];
        var outcomes = new List<string>();
        for (var i = 0; i < categories.Length; i++)
            outcomes.Add((await DecideAsync("th-cap", Noon.AddHours(i), ($"{categories[i]}-1", categories[i], 0.9))).Reason);

        outcomes.Should().Equal("", "", "", "cap.day");
        // The next local day starts at 23:00 UTC.
        (await DecideAsync("th-cap", new DateTimeOffset(2026, 11, 26, 7, 30, 0, TimeSpan.Zero), ("posts-1", "posts", 0.9))).Outcome.Should().Be("sent");
    }

    [Fact]
    public async Task ExplorationSendsBelowThresholdWithItsProbabilityButNeverInQuietHours()
    {
        var rules = fixture.Grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        (await rules.SetAsync(RuleKeys.ExploreRate, RuleScope.ForUser("th-explore"), "1")).Ok.Should().BeTrue();
        await WaitForRulesAsync((await rules.GetVersionAsync()));

        var explored = await DecideAsync("th-explore", Noon, ("drinks-1", "drinks", 0.10));
        var night = await DecideAsync("th-explore", new DateTimeOffset(2026, 11, 25, 23, 0, 0, TimeSpan.Zero), ("gear-1", "gear", 0.10));

        explored.Outcome.Should().Be("sent");
        explored.Reason.Should().Be("explore");
        explored.SendProbability.Should().Be(1);
        night.Outcome.Should().Be("suppressed");
        night.Reason.Should().Be("quiet");
    }

    [Fact]
    public async Task ExplorationIsOneDrawPerDecisionNotPerCandidate()
    {
        // 200 decisions, each with ten candidates that only the threshold holds back, eight days apart
        // (no cap, gap or re-eligibility in the way): at explore.rate 0.05 about ten are explored. The
        // threshold is pinned by an admin rule: otherwise, after 30 passes, the learned threshold would
        // apply (one chance every eight days is fewer than the budget, so it would let everything through).
        var pin = await fixture.Grains.GetGrain<IRulesGrain>(GrainKeys.Global).SetAsync(RuleKeys.Threshold, RuleScope.ForUser("th-rate"), "0.75");
        pin.Ok.Should().BeTrue(pin.Message);
        await WaitForRulesAsync(pin.Version);
        var explored = 0;
        for (var i = 0; i < 200; i++)
        {
            var candidates = Enumerable.Range(0, 10).Select(k => ($"item-{i}-{k}", $"cat-{k}", 0.1)).ToArray();
            var decision = await DecideAsync("th-rate", Noon.AddDays(8 * i), candidates);
            if (decision.Reason == "explore") explored++;
            else decision.Reason.Should().Be("threshold");
        }

        explored.Should().BeInRange(2, 25, "P(explore) per decision is explore.rate = 0.05, not 1 − 0.95¹⁰ ≈ 0.40");
    }

    [Fact]
    public async Task ARaisedThresholdIsInForceOnEverySiloWithinASecond()
    {
        (await DecideAsync("th-live", Noon, ("drinks-1", "drinks", 0.9))).Outcome.Should().Be("sent");
        var rules = fixture.Grains.GetGrain<IRulesGrain>(GrainKeys.Global);

        var result = await rules.SetAsync(RuleKeys.Threshold, RuleScope.ForUser("th-live"), "0.99");

        result.Ok.Should().BeTrue(result.Message);
        var elapsed = await WaitForRulesAsync(result.Version);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        var after = await DecideAsync("th-live", Noon.AddDays(1), ("gear-1", "gear", 0.9));
        after.Outcome.Should().Be("suppressed");
        after.Reason.Should().Be("threshold");
        after.Threshold.Should().Be(0.99);
    }

    [Fact]
    public async Task ABadRuleIsRefusedAndNothingChanges()
    {
        var rules = fixture.Grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        var before = await rules.GetAsync();

        var result = await rules.SetAsync(RuleKeys.QuietStart, RuleScope.Global, "07:00");

        result.Ok.Should().BeFalse();
        result.Message.Should().Contain("quiet.start");
        (await rules.GetAsync()).Should().Be(before);
    }

    [Fact]
    public async Task FeedbackJoinsItsDecisionAndForeignOrUnknownIdsAreRejected()
    {
        var (sent, suppressed, throttle) = await SentThenSuppressedAsync("th-fb");

        (await throttle.RecordFeedbackAsync(sent.NotificationId, FeedbackAction.Opened, Noon.AddMinutes(2).UtcTicks)).Should().Be(RejectReason.None);
        (await throttle.RecordFeedbackAsync(sent.NotificationId, FeedbackAction.Opened, Noon.AddMinutes(2).UtcTicks)).Should().Be(RejectReason.None, "a redelivery is accepted once more and stored once");
        (await throttle.RecordFeedbackAsync(suppressed.NotificationId, FeedbackAction.Opened, Noon.UtcTicks)).Should().Be(RejectReason.UnknownNotification);
        (await throttle.RecordFeedbackAsync("n-0000", FeedbackAction.Opened, Noon.UtcTicks)).Should().Be(RejectReason.UnknownNotification);
        (await fixture.Grains.GetGrain<INotificationThrottleGrain>("th-other").RecordFeedbackAsync(sent.NotificationId, FeedbackAction.Converted, Noon.UtcTicks))
            .Should().Be(RejectReason.UnknownNotification, "another user cannot give feedback on this user's push");

        var decisions = await throttle.GetDecisionsAsync(10);
        decisions.Select(d => d.NotificationId).Should().Equal(suppressed.NotificationId, sent.NotificationId);
        decisions[1].Feedback.Should().Be("opened");
    }

    [Fact]
    public async Task HistoryPushesAndFeedbackSurviveADeactivation()
    {
        var (sent, suppressed, throttle) = await SentThenSuppressedAsync("th-reactivate");
        (await throttle.RecordFeedbackAsync(sent.NotificationId, FeedbackAction.Opened, Noon.AddMinutes(2).UtcTicks)).Should().Be(RejectReason.None);
        var before = await throttle.GetDecisionsAsync(10);

        await throttle.AsReference<IGrainManagementExtension>().DeactivateOnIdle();

        var after = await throttle.GetDecisionsAsync(10);
        after.Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
        after.Select(d => d.NotificationId).Should().Equal(suppressed.NotificationId, sent.NotificationId);
        after[1].Feedback.Should().Be("opened");
        // The push still counts for the gap, and the same state again is the stored decision, not a second push.
        (await DecideAsync("th-reactivate", Noon.AddHours(1), ("drinks-3", "drinks", 0.95))).Reason.Should().Be("gap.similar");
        (await DecideAsync("th-reactivate", Noon, ("drinks-1", "drinks", 0.9))).Should().BeEquivalentTo(sent with { Feedback = "opened" });
        RecordingSink.Instance.For("th-reactivate").Should().ContainSingle();
    }

    /// <summary>A push at noon, then a similar item 30 min later suppressed by the gap.</summary>
    private async Task<(DecisionView Sent, DecisionView Suppressed, INotificationThrottleGrain Throttle)> SentThenSuppressedAsync(string userId)
    {
        var sent = await DecideAsync(userId, Noon, ("drinks-1", "drinks", 0.9));
        var suppressed = await DecideAsync(userId, Noon.AddMinutes(30), ("drinks-2", "drinks", 0.9));
        sent.Outcome.Should().Be("sent");
        suppressed.Outcome.Should().Be("suppressed");
        return (sent, suppressed, fixture.Grains.GetGrain<INotificationThrottleGrain>(userId));
    }

    private async Task<DecisionView> DecideAsync(string userId, DateTimeOffset at, params (string Item, string Category, double Osr)[] candidates)
    {
        var scored = candidates.Select(c => new ScoredCandidate(c.Item, c.Category, 1.0, 1.0, 0.5, 0.5, c.Osr, null)).ToArray();
        var features = Enumerable.Repeat(double.NaN, 13).ToArray();
        var request = new DecisionRequest(userId, "runners", Zone, "post-workout", at.UtcTicks, at.UtcTicks, features, "prior", "als-v1", "a", scored);
        return await fixture.Grains.GetGrain<INotificationThrottleGrain>(userId).DecideAsync(request);
    }

    /// <summary>Waits until every silo's rule cache holds <paramref name="version"/>; returns how long that took.</summary>
    private async Task<TimeSpan> WaitForRulesAsync(long version)
    {
        var watch = Stopwatch.StartNew();
        var caches = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<RulesCache>()).ToArray();
        while (caches.Any(c => c.Current.Version < version))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException($"rules v{version} did not reach every silo in 10 s");
            await Task.Delay(20);
        }
        return watch.Elapsed;
    }
}
