using Osr.Orleans.Grains.Recommendation;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.IntegrationTests.Push;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;
using Osr.Orleans.Models.Users;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// The whole loop on a real silo under the event clock: readings over real MQTT → filters and
/// label → ALS candidates × a propensity model → OSR → throttle → a notification on the user's
/// MQTT topic and on a real local webhook → feedback over MQTT joined to its decision.
/// Everything is driven by the readings' event time, so a workout "at 18:00 in Amsterdam"
/// replays in a second.
/// </summary>
public sealed class DecisionsEndToEndTests : IAsyncLifetime
{
    private readonly string _data = TempDirectory.Create("osr-dec-data");
    private readonly string _models = TempDirectory.Create("osr-dec-models");
    private readonly int _mqttPort = FreePort.Next();
    private readonly WebhookReceiver _webhook = WebhookReceiver.Start(new SemaphoreSlim(0), i => i == 0 ? 500 : 200);
    private IHost _host = null!;

    private IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        _host = OsrSiloHost.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Osr:Clock"] = "Event",
            // A replay publishes a day in a second: lift the per-device rate limit as a backtest would.
            ["Osr:Ingest:MaxReadingsPerSecond"] = "100000",
            ["Osr:Ingest:Burst"] = "100000",
            ["Osr:Mqtt:Port"] = _mqttPort.ToString(CultureInfo.InvariantCulture),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            ["Osr:Data:Path"] = _data,
            ["Osr:Models:Path"] = _models,
            ["Osr:Als:Rank"] = "8",
            ["Osr:Als:Iterations"] = "8",
            ["Osr:Push:Webhooks:0"] = _webhook.Url,
            ["Osr:Push:AllowHttp"] = "true",
            ["Osr:Push:SigningSecret"] = Push.PushHost.SigningSecret,
            ["Osr:Push:InitialBackoff"] = "00:00:00.100",
            ["Osr:Cluster:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Osr:Cluster:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        await _host.StartAsync();
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _webhook.DisposeAsync();
    }

    [Fact]
    public async Task AWorkoutAndItsRecoveryBringExactlyOneNotificationOnMqttAndTheWebhook()
    {
        await using var watch = await ConnectUserAsync("dec-u1", "dec-w1");
        var start = DecisionScenario.Local(2026, 11, 18, 17, 0);

        await DecisionScenario.PublishWorkoutAsync(watch, start);

        var (topic, payload) = await watch.NextAsync(TimeSpan.FromSeconds(10));
        topic.Should().Be("osr/v1/users/dec-u1/notifications");
        var n = JsonDocument.Parse(payload).RootElement;
        string[] fields = ["notificationId", "userId", "itemId", "category", "osr", "affinity", "propensity", "state", "ts", "expiresAt"];
        n.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(fields);
        n.GetProperty("userId").GetString().Should().Be("dec-u1");
        n.GetProperty("category").GetString().Should().Be("drinks");
        n.GetProperty("state").GetString().Should().Be("post-workout");
        var ts = n.GetProperty("ts").GetDateTimeOffset();
        ts.Should().BeAfter(start.AddMinutes(50)).And.BeBefore(start.AddMinutes(90));
        n.GetProperty("expiresAt").GetDateTimeOffset().Should().Be(ts.AddMinutes(15));
        n.GetProperty("osr").GetDouble().Should().BeInRange(0.7, 1.0);
        var id = n.GetProperty("notificationId").GetString()!;

        // The user's decisions explain it; the later passes are suppressed with their reasons.
        var snapshot = await Grains.GetGrain<IUserStateGrain>("dec-u1").GetSnapshotAsync();
        var decisions = snapshot.Decisions;
        decisions.Should().ContainSingle(d => d.Outcome == "sent").Which.NotificationId.Should().Be(id);
        decisions.Where(d => d.Outcome == "suppressed").Should().OnlyContain(d => d.Detail.StartsWith("suppressed: "));
        snapshot.Scored.Should().NotBeEmpty().And.OnlyContain(c => c.Propensity > 0 && c.Osr >= 0 && c.Osr <= 1);
        watch.ReceivedCount.Should().Be(0, "exactly one notification for one workout");

        // The webhook failed the first attempt and got the same body once after the retry.
        await Poll.UntilAsync(() => _webhook.Successful.Count == 1, "the webhook received the notification");
        _webhook.Receipts.Should().HaveCount(2);
        var delivered = _webhook.Successful[0];
        delivered.IdempotencyKey.Should().Be(id);
        JsonDocument.Parse(delivered.Body).RootElement.ToString().Should().Be(n.ToString());

        // Feedback over MQTT is joined to the decision; an unknown id is refused with a reason.
        var ack = await watch.PublishAsync("osr/v1/devices/dec-w1/events",
            $$"""{"type":"feedback","notificationId":"{{id}}","action":"opened","ts":"{{DecisionScenario.Iso(ts.AddMinutes(3))}}"}""");
        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        var bad = await watch.PublishAsync("osr/v1/devices/dec-w1/events",
            $$"""{"type":"feedback","notificationId":"n-unknown","action":"opened","ts":"{{DecisionScenario.Iso(ts.AddMinutes(3))}}"}""");
        bad.ReasonCode.Should().NotBe(MqttClientPublishReasonCode.Success);
        (await Grains.GetGrain<IUserStateGrain>("dec-u1").GetSnapshotAsync()).Decisions
            .Single(d => d.NotificationId == id).Feedback.Should().Be("opened");
    }

    [Fact]
    public async Task AUserWhoseStateStandsStillIsScoredAgainEveryMaxInterval()
    {
        await using var watch = await ConnectUserAsync("dec-u2", "dec-w2");
        var start = DecisionScenario.Local(2026, 11, 18, 12, 0);

        // 90 minutes seated, a reading every 5 s, 5 minutes per message: nothing changes after the first pass.
        var seq = 0;
        for (var minute = 0; minute < 90; minute += 5)
        {
            var json = new StringBuilder("[");
            for (var s = 0; s < 300; s += 5)
            {
                if (json.Length > 1) json.Append(',');
                json.Append(CultureInfo.InvariantCulture,
                    $$"""{"seq":{{seq++}},"ts":"{{DecisionScenario.Iso(start.AddMinutes(minute).AddSeconds(s))}}","hr":64,"speed":0,"cadence":0,"acc":0.05}""");
            }
            (await watch.PublishAsync("osr/v1/devices/dec-w2/readings", json.Append(']').ToString())).ReasonCode
                .Should().Be(MqttClientPublishReasonCode.Success);
        }

        // The first pass, then one each time 15 minutes (Osr:Decisions:MaxInterval) have passed: at 15, 30, … 75 min of
        // event time, as the messages arrive; 90 minutes of stillness without it would be one pass.
        var decisions = (await Grains.GetGrain<IUserStateGrain>("dec-u2").GetSnapshotAsync()).Decisions;
        decisions.Should().HaveCount(6);
        var times = decisions.Select(d => d.Ts).OrderBy(t => t).ToList();
        times.Zip(times.Skip(1), (a, b) => b - a).Should().OnlyContain(gap => gap >= TimeSpan.FromMinutes(15) && gap < TimeSpan.FromMinutes(20));
    }

    [Fact]
    public async Task NothingArrivesDuringQuietHours()
    {
        await using var watch = await ConnectUserAsync("dec-u2", "dec-w2");

        await DecisionScenario.PublishWorkoutAsync(watch, DecisionScenario.Local(2026, 11, 18, 22, 0));

        var decisions = (await Grains.GetGrain<IUserStateGrain>("dec-u2").GetSnapshotAsync()).Decisions;
        decisions.Should().NotBeEmpty().And.OnlyContain(d => d.Outcome == "suppressed");
        decisions.Should().Contain(d => d.Reason == "quiet");
        watch.ReceivedCount.Should().Be(0);
    }

    [Fact]
    public async Task ARaisedThresholdStopsPushes()
    {
        await using var watch = await ConnectUserAsync("dec-u3", "dec-w3");
        var result = await Grains.GetGrain<IRulesGrain>(GrainKeys.Global).SetAsync(RuleKeys.Threshold, RuleScope.ForUser("dec-u3"), "0.999");
        result.Ok.Should().BeTrue(result.Message);

        await DecisionScenario.PublishWorkoutAsync(watch, DecisionScenario.Local(2026, 11, 18, 17, 0));

        var decisions = (await Grains.GetGrain<IUserStateGrain>("dec-u3").GetSnapshotAsync()).Decisions;
        decisions.Should().NotBeEmpty().And.OnlyContain(d => d.Outcome == "suppressed");
        decisions.Should().Contain(d => d.Reason == "threshold" && d.Threshold == 0.999);
        watch.ReceivedCount.Should().Be(0);
    }

    [Fact]
    public async Task UsersInArmBAreScoredWithTheChallengerModelAndCountedPerArm()
    {
        var challenger = DecisionScenario.SavePlantedPropensity(_models, "p-challenger", seed: 9);
        var rules = Grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        (await rules.SetAsync(RuleKeys.AbModel, RuleScope.Global, challenger.Version)).Ok.Should().BeTrue();
        (await rules.SetAsync(RuleKeys.AbShare, RuleScope.Global, "1")).Ok.Should().BeTrue();
        await using var watch = await ConnectUserAsync("dec-u4", "dec-w4");

        await DecisionScenario.PublishWorkoutAsync(watch, DecisionScenario.Local(2026, 11, 18, 17, 0));

        var decisions = (await Grains.GetGrain<IUserStateGrain>("dec-u4").GetSnapshotAsync()).Decisions;
        decisions.Should().NotBeEmpty().And.OnlyContain(d => d.Arm == "b" && d.PropensityVersion == challenger.Version);
        decisions.Should().Contain(d => d.Outcome == "sent");
        var stats = Grains.GetGrain<IStatsGrain>(GrainKeys.Global);
        await Poll.UntilAsync(async () => (await stats.GetAsync()).Totals["notifications.sent.arm.b"] >= 1, "a push is counted for arm b");
        (await stats.GetAsync()).Totals["notifications.sent.model." + challenger.Version].Should().BeGreaterThanOrEqualTo(1);
    }

    /// <summary>
    /// A catalogue of drinks and gear, ALS trained on two tastes (the test users like drinks), a
    /// propensity model trained on the planted world and promoted through the registry,
    /// exploration off, and a window of recent raw scores in [−1, 1] as a busy cluster would have.
    /// </summary>
    private async Task SeedAsync()
    {
        await DecisionScenario.SeedAsync(Grains, _models, "dec-u1", "dec-u2", "dec-u3", "dec-u4");
        var window = _host.Services.GetRequiredService<ScoreWindow>();
        var seedAt = DecisionScenario.Local(2026, 11, 18, 12, 0).UtcTicks;
        for (var i = 0; i <= 20; i++) window.Add(-1 + i * 0.1, seedAt);

        // The active versions reach the user grains through this silo's model cache.
        await _host.Services.GetRequiredService<Grains.Recommendation.ActiveModels>().RefreshAsync();
    }

    private async Task<DeviceClient> ConnectUserAsync(string userId, string deviceId)
    {
        await Grains.GetGrain<IUserStateGrain>(userId).SetProfileAsync(new UserProfile(30, "Europe/Amsterdam", "runners"));
        var secret = (await Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, "watch")).Secret!;
        var client = await DeviceClient.ConnectAsync(_mqttPort, deviceId, secret);
        await client.SubscribeAsync($"osr/v1/users/{userId}/notifications");
        return client;
    }
}
