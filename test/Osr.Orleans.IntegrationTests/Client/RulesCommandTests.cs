using System.Text.Json;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Client;

public class RulesCommandTests
{
    private static (TestCli Cli, FakeRulesGrain Grain) WithRules(RuleSet? rules = null)
    {
        var grain = new FakeRulesGrain { Rules = rules ?? RuleSet.Defaults };
        var cli = new TestCli { ConsoleWidth = 200 };
        cli.Clusters.Connection = new FakeClusterConnection().Add<IRulesGrain>(GrainKeys.Global, grain);
        return (cli, grain);
    }

    private static RuleSet Apply(RuleSet set, string key, RuleScope scope, string value)
    {
        set.TryApply(key, scope, value, new DateTimeOffset(2026, 11, 23, 17, 0, 0, TimeSpan.Zero), out var next, out var error).Should().BeTrue(error);
        return next;
    }

    public static TheoryData<string[], RuleScope, string> Scopes => new()
    {
        { ["rules", "set", "osr.threshold", "0.8"], RuleScope.Global, "rules v1: osr.threshold = 0.8 (global)" },
        { ["rules", "set", "osr.threshold", "0.8", "--category", "drinks"], RuleScope.ForCategory("drinks"), "rules v1: osr.threshold = 0.8 (category drinks)" },
        { ["rules", "set", "cap.day", "2", "--segment", "powerlifting"], RuleScope.ForSegment("powerlifting"), "rules v1: cap.day = 2 (segment powerlifting)" },
        { ["rules", "set", "gap.similar", "90m", "--user", "u-7"], RuleScope.ForUser("u-7"), "rules v1: gap.similar = 1h30m (user u-7)" },
        { ["rules", "set", "reeligible.after", "48h", "--item", "drink-3"], RuleScope.ForItem("drink-3"), "rules v1: reeligible.after = 48h (item drink-3)" },
        { ["rules", "set", "osr.threshold", "0.5", "--user", "u-7", "--item", "drink-3"], RuleScope.ForUserItem("u-7", "drink-3"), "rules v1: osr.threshold = 0.5 (user u-7 item drink-3)" },
        { ["rules", "set", "optout", "on", "--user", "u-7", "--category", "drinks"], RuleScope.ForUserCategory("u-7", "drinks"), "rules v1: optout = on (user u-7 category drinks)" },
        { ["rules", "set", "optout", "all", "--user", "u-7"], RuleScope.ForUser("u-7"), "rules v1: optout = all (user u-7)" },
        { ["rules", "set", "optout", "mqtt", "--user", "u-7"], RuleScope.ForUser("u-7"), "rules v1: optout = mqtt (user u-7)" },
        { ["rules", "set", "quiet.start", "23:30", "--segment", "night owls"], RuleScope.ForSegment("night owls"), "rules v1: quiet.start = 23:30 (segment night owls)" },
        { ["rules", "set", "ab.share", "0.5"], RuleScope.Global, "rules v1: ab.share = 0.5 (global)" },
    };

    [Theory]
    [MemberData(nameof(Scopes))]
    public async Task SetSendsTheChangeAtItsScopeAndPrintsTheNewVersion(string[] args, RuleScope scope, string expected)
    {
        var (cli, grain) = WithRules();

        var exit = await cli.RunAsync(args);

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        grain.SetCalls.Should().ContainSingle().Which.Should().Be((args[2], scope, args[3]));
        cli.Out.ToString().Trim().Should().Be(expected);
        cli.Error.ToString().Should().BeEmpty();
        grain.Rules.Entries.Should().ContainSingle(e => e.Key == args[2] && e.Scope == scope);
    }

    [Fact]
    public async Task SetJsonHasVersionKeyScopeAndStoredValue()
    {
        var (cli, grain) = WithRules(Apply(RuleSet.Defaults, RuleKeys.CapDay, RuleScope.Global, "4"));

        var exit = await cli.RunAsync("rules", "set", "gap.similar", "360m", "--user", "u-7", "--item", "drink-3", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.EnumerateObject().Select(p => p.Name).Should().StartWith(["version", "key", "scope", "value"]);
        json.GetProperty("version").GetInt64().Should().Be(2);
        json.GetProperty("key").GetString().Should().Be("gap.similar");
        json.GetProperty("scope").GetString().Should().Be("user+item");
        json.GetProperty("value").GetString().Should().Be("6h", "the value as stored (normalised)");
        json.GetProperty("user").GetString().Should().Be("u-7");
        json.GetProperty("item").GetString().Should().Be("drink-3");
        json.GetProperty("category").ValueKind.Should().Be(JsonValueKind.Null);
        grain.SetCalls.Should().ContainSingle();
    }

    public static TheoryData<string[], string> BadChanges => new()
    {
        { ["rules", "set", "osr.treshold", "0.8"], "unknown rule key 'osr.treshold'" },
        { ["rules", "set", "gap.similar", "6 hours"], "gap.similar: '6 hours' is not a duration" },
        { ["rules", "set", "gap.similar", "-6h"], "gap.similar: '-6h' is not a duration" },
        { ["rules", "set", "staleness.max", "0"], "staleness.max must be > 0" },
        { ["rules", "set", "osr.threshold", "1.5"], "osr.threshold must be in [0, 1], got '1.5'" },
        { ["rules", "set", "osr.threshold", "-0.1"], "osr.threshold must be in [0, 1], got '-0.1'" },
        { ["rules", "set", "osr.threshold", "NaN"], "osr.threshold must be in [0, 1], got 'NaN'" },
        { ["rules", "set", "explore.rate", "Infinity"], "explore.rate must be in [0, 1], got 'Infinity'" },
        { ["rules", "set", "cap.day", "-1"], "cap.day must be a whole number ≥ 0, got '-1'" },
        { ["rules", "set", "cap.week", "2.5"], "cap.week must be a whole number ≥ 0, got '2.5'" },
        { ["rules", "set", "quiet.start", "24:00"], "quiet.start: '24:00' is not a time of day" },
        { ["rules", "set", "optout", "sometimes", "--user", "u-7"], "optout for a user must be all, mqtt, webhook (or mqtt,webhook) or none" },
        { ["rules", "set", "optout", "all"], "optout applies to --user (with optional --category) only" },
        { ["rules", "set", "optout", "maybe", "--user", "u-7", "--category", "drinks"], "optout for a user and category must be on or off" },
        { ["rules", "set", "osr.threshold", "0.8", "--user", "u-7", "--category", "drinks"], "osr.threshold cannot be set for a user+category" },
        { ["rules", "set", "ab.share", "0.5", "--segment", "runners"], "ab.share is global only" },
        { ["rules", "set", "osr.threshold", "0.8", "--category", "drinks", "--segment", "runners"], "--category --segment cannot be combined" },
        { ["rules", "set", "osr.threshold", "0.8", "--item", "drink-3", "--category", "drinks"], "--item --category cannot be combined" },
        { ["rules", "set", "osr.threshold", "0.8", "--user", "u/7"], "user id 'u/7' is not a valid id" },
        { ["rules", "set", "osr.threshold", "0.8", "--item", "drink 3"], "item id 'drink 3' is not a valid id" },
        { ["rules", "set", "osr.threshold", "0.8", "--category", new string('c', 65)], "--category: category" },
        { ["rules", "set", "osr.threshold", "0.8", "--segment", "run\u0001ners"], "--segment: segment" },
        { ["rules", "set", "ab.model", new string('v', 201)], "ab.model: the value is 201 characters long; at most 200 are allowed" },
        { ["rules", "set", "ab.model", new string('v', 150)], "ab.model: value is too long (150 characters, at most 128)" },
    };

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task BadChangeIsRefusedBeforeConnectingWithExitCode2(string[] args, string message)
    {
        var (cli, grain) = WithRules();

        var exit = await cli.RunAsync(args);

        exit.Should().Be(ExitCodes.BadInput, cli.Out.ToString());
        cli.Error.ToString().Should().Contain(message);
        cli.Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).First().Should().Contain(message, "the reason comes first, on one line");
        cli.Out.ToString().Should().BeEmpty();
        cli.Clusters.Calls.Should().BeEmpty("nothing is sent for bad input");
        grain.SetCalls.Should().BeEmpty();
        grain.GetCalls.Should().Be(0);
    }

    [Fact]
    public async Task QuietHoursEqualInTheCurrentSetAreRefusedByTheGrainWithExitCode2()
    {
        // Default quiet.end is 07:00: quiet.start 07:00 would make the window empty. Only the grain knows the current set.
        var (cli, grain) = WithRules();

        var exit = await cli.RunAsync("rules", "set", "quiet.start", "07:00");

        exit.Should().Be(ExitCodes.BadInput);
        grain.SetCalls.Should().ContainSingle("the cross-key check is the grain's");
        cli.Error.ToString().Should().Contain("quiet.start and quiet.end must differ (both 07:00)").And.Contain("nothing was changed");
        cli.Out.ToString().Should().BeEmpty();
        grain.Rules.Version.Should().Be(0);
    }

    [Fact]
    public async Task QuietStartEqualToTheDefaultEndIsAcceptedWhenTheCurrentEndDiffers()
    {
        var (cli, grain) = WithRules(Apply(RuleSet.Defaults, RuleKeys.QuietEnd, RuleScope.Global, "08:00"));

        var exit = await cli.RunAsync("rules", "set", "quiet.start", "07:00");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        cli.Out.ToString().Trim().Should().Be("rules v2: quiet.start = 07:00 (global)");
        grain.SetCalls.Should().ContainSingle();
    }

    [Fact]
    public async Task GrainRefusalIsExitCode2WithItsMessage()
    {
        var (cli, grain) = WithRules();
        grain.Refusal = "osr.threshold for category drinks conflicts with something only the cluster knows";

        var exit = await cli.RunAsync("rules", "set", "osr.threshold", "0.8", "--category", "drinks", "--json");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Trim().Should().Be("osr.threshold for category drinks conflicts with something only the cluster knows; nothing was changed");
        cli.Out.ToString().Should().BeEmpty("no JSON for a refused change");
        grain.SetCalls.Should().ContainSingle();
    }

    [Fact]
    public async Task UnreachableClusterIsExitCode1()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("rules", "set", "osr.threshold", "0.8");

        exit.Should().Be(ExitCodes.Failure);
        cli.Clusters.Calls.Should().ContainSingle("the change was valid, so the console tried to send it");
        cli.Error.ToString().Should().Contain("cannot reach the cluster");
    }

    [Fact]
    public async Task ShowJsonHasVersionDefaultsAndOverridesGroupedByKeyAndScope()
    {
        var set = RuleSet.Defaults;
        set = Apply(set, RuleKeys.CapDay, RuleScope.ForSegment("powerlifting"), "5");
        set = Apply(set, RuleKeys.Threshold, RuleScope.ForUserItem("u-7", "drink-3"), "0.5");
        set = Apply(set, RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.9");
        set = Apply(set, RuleKeys.OptOut, RuleScope.ForUserCategory("u-7", "sweets"), "on");
        var (cli, grain) = WithRules(set);

        var exit = await cli.RunAsync("rules", "show", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        grain.GetCalls.Should().Be(1);
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.EnumerateObject().Select(p => p.Name).Should().Equal("version", "changedAt", "defaults", "overrides");
        json.GetProperty("version").GetInt64().Should().Be(4);
        json.GetProperty("changedAt").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 11, 23, 17, 0, 0, TimeSpan.Zero));

        var defaults = json.GetProperty("defaults");
        defaults.EnumerateObject().Select(p => p.Name).Should().Equal(RuleKeys.All);
        defaults.GetProperty("osr.threshold").GetString().Should().Be("0.75");
        defaults.GetProperty("gap.similar").GetString().Should().Be("6h");
        defaults.GetProperty("cap.day").GetString().Should().Be("3");
        defaults.GetProperty("cap.week").GetString().Should().Be("10");
        defaults.GetProperty("quiet.start").GetString().Should().Be("22:00");
        defaults.GetProperty("quiet.end").GetString().Should().Be("07:00");
        defaults.GetProperty("reeligible.after").GetString().Should().Be("72h");
        defaults.GetProperty("similar.cosine").GetString().Should().Be("0.8");
        defaults.GetProperty("staleness.max").GetString().Should().Be("5m");
        defaults.GetProperty("explore.rate").GetString().Should().Be("0.05");
        defaults.GetProperty("ab.share").GetString().Should().Be("0");
        defaults.GetProperty("ab.model").GetString().Should().Be("none");

        var overrides = json.GetProperty("overrides").EnumerateArray().ToArray();
        overrides.Should().HaveCount(4);
        overrides[0].EnumerateObject().Select(p => p.Name).Should().Equal("key", "scope", "user", "item", "category", "segment", "value");
        overrides.Select(o => (o.GetProperty("key").GetString(), o.GetProperty("scope").GetString(), o.GetProperty("value").GetString())).Should().Equal(
            ("osr.threshold", "category", "0.9"),
            ("osr.threshold", "user+item", "0.5"),
            ("cap.day", "segment", "5"),
            ("optout", "user+category", "on"));
        overrides[0].GetProperty("category").GetString().Should().Be("drinks");
        overrides[0].GetProperty("user").ValueKind.Should().Be(JsonValueKind.Null);
        overrides[1].GetProperty("user").GetString().Should().Be("u-7");
        overrides[1].GetProperty("item").GetString().Should().Be("drink-3");
        overrides[2].GetProperty("segment").GetString().Should().Be("powerlifting");
        overrides[3].GetProperty("category").GetString().Should().Be("sweets");
    }

    [Fact]
    public async Task ShowOfTheDefaultsHasNoChangeTimeAndNoOverrides()
    {
        var (cli, _) = WithRules();

        (await cli.RunAsync("rules", "show", "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("version").GetInt64().Should().Be(0);
        json.GetProperty("changedAt").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("overrides").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task ShowTextListsDefaultsAndOverridesByScope()
    {
        var set = Apply(RuleSet.Defaults, RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.9");
        set = Apply(set, RuleKeys.OptOut, RuleScope.ForUser("u-7"), "all");
        var (cli, _) = WithRules(set);

        (await cli.RunAsync("rules", "show")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var output = cli.Out.ToString();
        output.Should().Contain("Rules v2, changed 2026-11-23 17:00:00Z, 2 override(s)");
        output.Should().Contain("Defaults").And.Contain("osr.threshold").And.Contain("0.75").And.Contain("22:00");
        output.Should().Contain("category drinks").And.Contain("0.9").And.Contain("user u-7").And.Contain("all");
    }
}
