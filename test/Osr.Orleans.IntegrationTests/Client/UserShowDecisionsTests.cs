using System.Text.Json;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Commands;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Client;

public class UserShowDecisionsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 18, 2, 11, TimeSpan.Zero);

    private static RuleCheck[] Checks(RuleName? failing, string detail) =>
    [
        .. RuleNames.All.TakeWhile(r => r != failing).Select(r => new RuleCheck(r, true, $"{r.Code()} ok")),
        .. failing is { } f ? new[] { new RuleCheck(f, false, detail) } : [],
    ];

    private static readonly DecisionView Suppressed = new(
        "n-3", "u1", "drink-7", "drinks", At, At.AddSeconds(1), DecisionOutcomes.Suppressed, "gap.similar", "last drinks push 2h10m ago < 6h",
        1.4, 0.6, 0.84, 0.93, 0.75, Checks(RuleName.GapSimilar, "last drinks push 2h10m ago < 6h"), "post-workout", "p-v1", "als-v1", "a", 0, null, null, "runners");

    private static readonly DecisionView Explored = new(
        "n-2", "u1", "prog-17", "strength", At.AddHours(-3), At.AddHours(-3), DecisionOutcomes.Sent, DecisionOutcomes.Explore, "osr 0.4 < threshold 0.75",
        0.9, 0.3, 0.27, 0.4, 0.75, Checks(null, ""), "rest", "p-v1", "als-v1", "b", 0.05, At.AddHours(-2), "dismissed", "runners");

    private static readonly DecisionView Sent = new(
        "n-1", "u1", "drink-3", "drinks", At.AddHours(-5), At.AddHours(-5), DecisionOutcomes.Sent, "", "",
        1.7, 0.42, 0.714, 0.91, 0.75, Checks(null, ""), "post-workout", "p-v1", null, "a", 1, At.AddHours(-4), "opened", "runners");

    /// <summary>A decision whose numbers are unknown (NaN): shown as "—", written as null.</summary>
    private static readonly DecisionView Unknown = new(
        "n-0", "u1", "drink-9", "drinks", At.AddHours(-6), At.AddHours(-6), DecisionOutcomes.Sent, "", "",
        double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, [], "active", "p-v1", null, "a", double.NaN, null, null, null);

    private static UserSnapshot Snapshot(ScoredCandidate[] scored, CandidateView[] candidates, params DecisionView[] decisions) => new(
        "u1", "post-workout", At.AddMinutes(-10),
        new EstimateView(new ChannelView(110, 2), new ChannelView(null, null), new ChannelView(null, null), new ChannelView(null, null),
            new PositionView(null, null, null), null),
        [], [], [], [], 34, "Europe/Amsterdam", "runners", At, 100, null, candidates, scored, decisions);

    private static TestCli WithUser(UserSnapshot snapshot)
    {
        var cli = new TestCli { ConsoleWidth = 240 };
        cli.Clusters.Connection = new FakeClusterConnection().Add<IUserStateGrain>(snapshot.UserId, new FakeUserStateGrain(snapshot));
        return cli;
    }

    [Fact]
    public async Task DecisionsAreInTheJsonWithTheirChecks()
    {
        var cli = WithUser(Snapshot([], [], Suppressed, Explored, Sent));

        (await cli.RunAsync("user", "show", "u1", "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var decisions = JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("decisions").EnumerateArray().ToArray();
        decisions.Select(d => d.GetProperty("notificationId").GetString()).Should().Equal("n-3", "n-2", "n-1");
        decisions[0].EnumerateObject().Select(p => p.Name).Should().StartWith(
            ["notificationId", "itemId", "ts", "outcome", "reason", "osr", "threshold", "category", "detail", "affinity", "propensity", "label", "feedback", "checks"]);

        var suppressed = decisions[0];
        suppressed.GetProperty("itemId").GetString().Should().Be("drink-7");
        suppressed.GetProperty("ts").GetDateTimeOffset().Should().Be(At);
        suppressed.GetProperty("outcome").GetString().Should().Be("suppressed");
        suppressed.GetProperty("reason").GetString().Should().Be("gap.similar");
        suppressed.GetProperty("osr").GetDouble().Should().Be(0.93);
        suppressed.GetProperty("threshold").GetDouble().Should().Be(0.75);
        suppressed.GetProperty("category").GetString().Should().Be("drinks");
        suppressed.GetProperty("detail").GetString().Should().Be("last drinks push 2h10m ago < 6h");
        suppressed.GetProperty("affinity").GetDouble().Should().Be(1.4);
        suppressed.GetProperty("propensity").GetDouble().Should().Be(0.6);
        suppressed.GetProperty("label").GetString().Should().Be("post-workout");
        suppressed.GetProperty("feedback").ValueKind.Should().Be(JsonValueKind.Null);
        var checks = suppressed.GetProperty("checks").EnumerateArray().ToArray();
        checks.Select(c => c.GetProperty("rule").GetString()).Should().Equal("optout", "quiet", "threshold", "gap.similar");
        checks[0].EnumerateObject().Select(p => p.Name).Should().Equal("rule", "passed", "detail");
        checks[^1].GetProperty("passed").GetBoolean().Should().BeFalse();
        checks[^1].GetProperty("detail").GetString().Should().Be("last drinks push 2h10m ago < 6h");

        decisions[1].GetProperty("reason").GetString().Should().Be("explore");
        decisions[1].GetProperty("sendProbability").GetDouble().Should().Be(0.05);
        decisions[1].GetProperty("feedback").GetString().Should().Be("dismissed");
        decisions[2].GetProperty("reason").ValueKind.Should().Be(JsonValueKind.Null, "a send by the rules has no reason");
        decisions[2].GetProperty("feedback").GetString().Should().Be("opened");
    }

    [Fact]
    public void UnknownNumbersAreNullInTheJson()
    {
        var json = JsonSerializer.SerializeToElement(UserCommands.ToJson(Unknown), Osr.Orleans.Client.Output.AdminJsonContext.Default.DecisionJson);

        foreach (var name in new[] { "osr", "threshold", "affinity", "propensity", "raw", "sendProbability" })
            json.GetProperty(name).ValueKind.Should().Be(JsonValueKind.Null, name);
        json.GetProperty("checks").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public void ExplanationNamesTheFirstFailingRuleOrWhyItWasSent()
    {
        UserCommands.Explain(Suppressed).Should().Be("suppressed: gap.similar — last drinks push 2h10m ago < 6h");
        UserCommands.Explain(Explored).Should().Be("sent by exploration (p = 0.05); feedback: dismissed");
        UserCommands.Explain(Sent).Should().Be("sent (osr 0.91 ≥ 0.75); feedback: opened");
        UserCommands.Explain(Unknown).Should().Be("sent (osr — ≥ —)");
    }

    [Fact]
    public void ExplanationOfASuppressionUsesTheFirstFailingCheckEvenWhenLaterOnesFailToo()
    {
        var twoFailures = Suppressed with
        {
            Reason = "quiet",
            Checks =
            [
                new RuleCheck(RuleName.OptOut, true, "not opted out"),
                new RuleCheck(RuleName.QuietHours, false, "23:10 local is within quiet hours 22:00–07:00"),
                new RuleCheck(RuleName.Threshold, false, "osr 0.62 < threshold 0.75 (category drinks)"),
            ],
        };

        UserCommands.Explain(twoFailures).Should().Be("suppressed: quiet — 23:10 local is within quiet hours 22:00–07:00");
        UserCommands.Explain(twoFailures with { Checks = [] }).Should().Be("suppressed: quiet — last drinks push 2h10m ago < 6h", "without checks, the reason and detail of the decision");
    }

    [Fact]
    public async Task LastDecisionsTableShowsTimeInUtcAndTheUsersZoneAndTheExplanation()
    {
        var cli = WithUser(Snapshot([], [], Suppressed, Explored, Sent, Unknown));

        (await cli.RunAsync("user", "show", "u1")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var output = cli.Out.ToString();
        output.Should().Contain("Last decisions").And.NotContain("Decisions: none yet");
        output.Should().Contain("local = Europe/Amsterdam").And.Contain("2026-11-23 18:02:11Z").And.Contain("19:02:11 local");
        output.Should().Contain("drink-7 / drinks");
        output.Should().Contain("suppressed: gap.similar — last drinks push 2h10m ago < 6h");
        output.Should().Contain("sent by exploration (p = 0.05); feedback: dismissed");
        output.Should().Contain("sent (osr 0.91 ≥ 0.75); feedback: opened");
        output.Should().Contain("sent (osr — ≥ —)");
    }

    [Fact]
    public void TimeIsShownInUtcAndInTheUsersZoneWithTheDayShift()
    {
        var amsterdam = Osr.Orleans.Models.Features.UserTimeZones.Resolve("Europe/Amsterdam");

        UserCommands.Time(new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero), amsterdam).Should().Be("2026-11-23 23:30:00Z\n00:30:00 (+1d) local");
        UserCommands.Time(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero), amsterdam).Should().Be("2026-07-01 12:00:00Z\n14:00:00 local", "summer time");
        UserCommands.Time(At, TimeZoneInfo.Utc).Should().Be("2026-11-23 18:02:11Z");
    }

    [Fact]
    public async Task ScoredCandidatesFillPropensityAndOsrAndKeepSourceFromRetrieval()
    {
        var scored = new[]
        {
            new ScoredCandidate("drink-3", "drinks", 1.7, 1.2, 0.42, 0.504, 0.91, null),
            new ScoredCandidate("prog-17", "strength", 0.9, -0.3, 0.3, -0.09, 0.4, null),
        };
        var candidates = new[] { new CandidateView("drink-3", "drinks", 1.7, "als", "als-v1"), new CandidateView("post-9", "posts", 0.2, "als", "als-v1") };
        var cli = WithUser(Snapshot(scored, candidates));

        (await cli.RunAsync("user", "show", "u1", "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("candidates").EnumerateArray().ToArray();
        json.Select(c => c.GetProperty("itemId").GetString()).Should().Equal("drink-3", "prog-17");
        json[0].GetProperty("affinity").GetDouble().Should().Be(1.7);
        json[0].GetProperty("propensity").GetDouble().Should().Be(0.42);
        json[0].GetProperty("osr").GetDouble().Should().Be(0.91);
        json[0].GetProperty("affinityZ").GetDouble().Should().Be(1.2);
        json[0].GetProperty("raw").GetDouble().Should().Be(0.504);
        json[0].GetProperty("source").GetString().Should().Be("als");
        json[0].GetProperty("modelVersion").GetString().Should().Be("als-v1");
        json[1].GetProperty("source").ValueKind.Should().Be(JsonValueKind.Null, "retrieval no longer lists it");
        json[1].GetProperty("modelVersion").ValueKind.Should().Be(JsonValueKind.Null);

        var text = WithUser(Snapshot(scored, candidates));
        (await text.RunAsync("user", "show", "u1")).Should().Be(ExitCodes.Success, text.Error.ToString());
        text.Out.ToString().Should().Contain("0.420").And.Contain("0.91").And.Contain("Decisions: none yet");
    }
}
