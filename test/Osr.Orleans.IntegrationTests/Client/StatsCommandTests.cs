using System.Text.Json;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.IntegrationTests.Client;

public class StatsCommandTests
{
    /// <summary>
    /// Pinned counters. Oracle for the rates below: converted / sent and opened / sent by hand.
    /// Overall: 200 sent, 100 opened, 20 converted → open rate 0.5, conversion 0.1.
    /// </summary>
    private static Dictionary<string, long> Counters() => new()
    {
        [CounterNames.DecisionsSent] = 200,
        [CounterNames.DecisionsExplored] = 10,
        [CounterNames.DecisionsSuppressedPrefix + "gap.similar"] = 40,
        [CounterNames.DecisionsSuppressedPrefix + "quiet"] = 25,
        [CounterNames.DecisionsSuppressedPrefix + "threshold"] = 300,
        ["notifications.sent"] = 200,
        ["notifications.delivered"] = 190,
        ["notifications.opened"] = 100,
        ["notifications.converted"] = 20,
        ["notifications.dismissed"] = 30,

        // by propensity model version: v1 150 sent / 60 opened / 12 converted; v2 50 / 40 / 8; v3 only a late feedback (0 sent)
        ["notifications.sent.model.20261101T000000Z-v1"] = 150,
        ["notifications.opened.model.20261101T000000Z-v1"] = 60,
        ["notifications.converted.model.20261101T000000Z-v1"] = 12,
        ["notifications.sent.model.20261120T000000Z-v2"] = 50,
        ["notifications.opened.model.20261120T000000Z-v2"] = 40,
        ["notifications.converted.model.20261120T000000Z-v2"] = 8,
        ["notifications.opened.model.20261122T000000Z-v3"] = 1,

        // by segment: runners 120 / 72 / 18; powerlifting 80 / 28 / 2; "none" (users without a segment) 0 sent
        ["notifications.sent.segment.runners"] = 120,
        ["notifications.opened.segment.runners"] = 72,
        ["notifications.converted.segment.runners"] = 18,
        ["notifications.sent.segment.powerlifting"] = 80,
        ["notifications.opened.segment.powerlifting"] = 28,
        ["notifications.converted.segment.powerlifting"] = 2,
        ["notifications.sent.segment.none"] = 0,

        // by arm: a 160 / 80 / 12; b 40 / 20 / 8
        ["notifications.sent.arm.a"] = 160,
        ["notifications.opened.arm.a"] = 80,
        ["notifications.converted.arm.a"] = 12,
        ["notifications.sent.arm.b"] = 40,
        ["notifications.opened.arm.b"] = 20,
        ["notifications.converted.arm.b"] = 8,

        ["push.mqtt.published"] = 198,
        ["push.mqtt.expired"] = 2,
        ["push.webhook.queued"] = 200,
        ["push.webhook.delivered"] = 180,
        ["push.webhook.retried"] = 12,
        ["push.webhook.failed"] = 7,
        ["push.webhook.expired"] = 3,
    };

    private static TestCli WithStats(Dictionary<string, long> counters)
    {
        var cli = new TestCli { ConsoleWidth = 200 };
        cli.Clusters.Connection = new FakeClusterConnection().Add<IStatsGrain>(GrainKeys.Global, new FakeStatsGrain(counters));
        return cli;
    }

    private static async Task<JsonElement> StatsJson(Dictionary<string, long> counters)
    {
        var cli = WithStats(counters);
        (await cli.RunAsync("stats", "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());
        return JsonDocument.Parse(cli.Out.ToString()).RootElement;
    }

    private static Dictionary<string, double?> Rates(JsonElement o) =>
        o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Null ? (double?)null : p.Value.GetDouble());

    [Fact]
    public async Task ConversionIsBrokenDownByModelSegmentAndArmFromTheCounters()
    {
        var json = await StatsJson(Counters());

        var conversion = json.GetProperty("conversion");
        conversion.GetProperty("overall").GetDouble().Should().BeApproximately(0.1, 1e-12);
        Rates(conversion.GetProperty("byModel")).Should().BeEquivalentTo(new Dictionary<string, double?>
        {
            ["20261101T000000Z-v1"] = 0.08,
            ["20261120T000000Z-v2"] = 0.16,
            ["20261122T000000Z-v3"] = null,
        });
        Rates(conversion.GetProperty("bySegment")).Should().BeEquivalentTo(new Dictionary<string, double?>
        {
            ["none"] = null,
            ["powerlifting"] = 0.025,
            ["runners"] = 0.15,
        });
        Rates(conversion.GetProperty("byArm")).Should().BeEquivalentTo(new Dictionary<string, double?> { ["a"] = 0.075, ["b"] = 0.2 });
    }

    [Fact]
    public async Task OpenRateIsOpenedOverSentOverallAndPerBreakdown()
    {
        var json = await StatsJson(Counters());

        var open = json.GetProperty("openRate");
        open.GetProperty("overall").GetDouble().Should().BeApproximately(0.5, 1e-12);
        Rates(open.GetProperty("byModel")).Should().BeEquivalentTo(new Dictionary<string, double?>
        {
            ["20261101T000000Z-v1"] = 0.4,
            ["20261120T000000Z-v2"] = 0.8,
            ["20261122T000000Z-v3"] = null,
        });
        Rates(open.GetProperty("bySegment")).Should().BeEquivalentTo(new Dictionary<string, double?> { ["none"] = null, ["powerlifting"] = 0.35, ["runners"] = 0.6 });
        Rates(open.GetProperty("byArm")).Should().BeEquivalentTo(new Dictionary<string, double?> { ["a"] = 0.5, ["b"] = 0.5 });
    }

    [Fact]
    public async Task BreakdownsCarryTheCountsAndTheGapToTheOverallRate()
    {
        var json = await StatsJson(Counters());

        var runners = json.GetProperty("breakdowns").GetProperty("bySegment").GetProperty("runners");
        runners.GetProperty("sent").GetInt64().Should().Be(120);
        runners.GetProperty("opened").GetInt64().Should().Be(72);
        runners.GetProperty("converted").GetInt64().Should().Be(18);
        runners.GetProperty("conversion").GetDouble().Should().BeApproximately(0.15, 1e-12);
        runners.GetProperty("conversionGap").GetDouble().Should().BeApproximately(0.05, 1e-12);
        runners.GetProperty("openRateGap").GetDouble().Should().BeApproximately(0.1, 1e-12);
        var powerlifting = json.GetProperty("breakdowns").GetProperty("bySegment").GetProperty("powerlifting");
        powerlifting.GetProperty("conversionGap").GetDouble().Should().BeApproximately(-0.075, 1e-12);
        var none = json.GetProperty("breakdowns").GetProperty("bySegment").GetProperty("none");
        none.GetProperty("sent").GetInt64().Should().Be(0);
        none.GetProperty("conversion").ValueKind.Should().Be(JsonValueKind.Null);
        none.GetProperty("conversionGap").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task DecisionsAndPushCountersAreReported()
    {
        var json = await StatsJson(Counters());

        var decisions = json.GetProperty("decisions");
        decisions.GetProperty("sent").GetInt64().Should().Be(200);
        decisions.GetProperty("explored").GetInt64().Should().Be(10);
        decisions.GetProperty("suppressed").GetProperty("gap.similar").GetInt64().Should().Be(40);
        decisions.GetProperty("suppressed").GetProperty("quiet").GetInt64().Should().Be(25);
        decisions.GetProperty("suppressed").GetProperty("threshold").GetInt64().Should().Be(300);
        json.GetProperty("notifications").GetProperty("delivered").GetInt64().Should().Be(190);
        json.GetProperty("notifications").GetProperty("dismissed").GetInt64().Should().Be(30);

        var push = json.GetProperty("push");
        push.GetProperty("mqtt").GetProperty("published").GetInt64().Should().Be(198);
        push.GetProperty("mqtt").GetProperty("expired").GetInt64().Should().Be(2);
        push.GetProperty("webhook").GetProperty("queued").GetInt64().Should().Be(200);
        var webhook = push.GetProperty("webhook");
        webhook.GetProperty("delivered").GetInt64().Should().Be(180);
        webhook.GetProperty("retried").GetInt64().Should().Be(12);
        webhook.GetProperty("failed").GetInt64().Should().Be(7);
        webhook.GetProperty("expired").GetInt64().Should().Be(3);
    }

    [Fact]
    public async Task NothingSentMeansNullRatesAndEmptyBreakdowns()
    {
        var json = await StatsJson(new Dictionary<string, long> { [CounterNames.ReadingsAccepted] = 5 });

        foreach (var rate in new[] { "conversion", "openRate" })
        {
            json.GetProperty(rate).GetProperty("overall").ValueKind.Should().Be(JsonValueKind.Null);
            foreach (var by in new[] { "byModel", "bySegment", "byArm" }) json.GetProperty(rate).GetProperty(by).EnumerateObject().Should().BeEmpty();
        }

        json.GetProperty("decisions").GetProperty("explored").GetInt64().Should().Be(0);
        json.GetProperty("push").GetProperty("webhook").GetProperty("failed").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task TextShowsDecisionsNotificationsAndRatesPerModelSegmentAndArm()
    {
        var cli = WithStats(Counters());

        (await cli.RunAsync("stats")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var output = cli.Out.ToString();
        output.Should().Contain("Decisions").And.Contain("suppressed: gap.similar").And.Contain("of which by exploration");
        output.Should().Contain("Notifications").And.Contain("open rate").And.Contain("50.0 %").And.Contain("10.0 %");
        output.Should().Contain("Push delivery").And.Contain("expired");
        output.Should().Contain("Conversion per model version").And.Contain("20261120T000000Z-v2").And.Contain("16.0 %");
        output.Should().Contain("Conversion per segment").And.Contain("runners").And.Contain("+5.0 pp").And.Contain("−7.5 pp");
        output.Should().Contain("Conversion per A/B arm").And.Contain("20.0 %");
    }
}
