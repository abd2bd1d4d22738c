using System.Text.Json;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Interfaces;
using static Osr.Orleans.IntegrationTests.Client.FakeModelRegistryGrain;

namespace Osr.Orleans.IntegrationTests.Client;

public class ModelCommandTests
{
    private static readonly Dictionary<string, double> TrainedMetrics = new()
    {
        ["recall@10"] = 0.2345,
        ["precision@10"] = 0.0412,
        ["ndcg@10"] = 0.1876,
        ["map@10"] = 0.0911,
        ["coverage@10"] = 0.3125,
        ["popularity.recall@10"] = 0.1011,
        ["popularity.precision@10"] = 0.0177,
        ["popularity.ndcg@10"] = 0.0733,
        ["popularity.map@10"] = 0.0301,
        ["popularity.coverage@10"] = 0.0042,
    };

    private static readonly TrainingJob Succeeded = Job(TrainingState.Succeeded, 4, 4, 812.5,
        "trained on 1,000 interactions of 50 users and 80 items in 3.2 s; promoted: recall@10 0.2345 vs active 0.2000 (tolerance 0.005)",
        "20261123T180000Z-abc123", promoted: true, metrics: TrainedMetrics);

    /// <summary>Human output with Spectre's line wrapping (80 columns in tests) undone.</summary>
    private static string Flat(StringWriter writer) => writer.ToString().ReplaceLineEndings(" ");

    private static (TestCli Cli, FakeModelRegistryGrain Registry) WithFakeRegistry()
    {
        var registry = new FakeModelRegistryGrain();
        var cli = new TestCli();
        cli.Clusters.Connection = new FakeClusterConnection().Add<IModelRegistryGrain>(GrainKeys.Global, registry).Add<IModelAdminGrain>(GrainKeys.Global, registry);
        return (cli, registry);
    }

    private static void RunningThenSucceeded(FakeModelRegistryGrain registry)
    {
        registry.Updates.Enqueue(Job(TrainingState.Running, 1, 4, 2048.4, "training on the evaluation split"));
        registry.Updates.Enqueue(Job(TrainingState.Running, 1, 4, 2048.4, "training on the evaluation split"));
        registry.Updates.Enqueue(Job(TrainingState.Running, 3, 4, 990.5, "training on all data"));
        registry.Updates.Enqueue(Succeeded);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("model", "train")]
    [InlineData("model", "train", "bpr")]
    [InlineData("model", "train", "ALS")]
    [InlineData("model", "train", "als", "extra")]
    [InlineData("model", "train", "als", "--promote")]
    [InlineData("model", "list", "extra")]
    [InlineData("model", "promote", "als")]
    [InlineData("model", "promote", "bpr", "v1")]
    [InlineData("model", "promote", "als", "v/1")]
    [InlineData("model", "promote", "als", "v 1")]
    [InlineData("model", "promote", "als", "")]
    [InlineData("model", "promote", "als", "v1", "v2")]
    [InlineData("model", "promote", "als", "0123456789012345678901234567890123456789012345678901234567890123x")]
    [InlineData("model", "rollback")]
    [InlineData("model", "rollback", "nope")]
    [InlineData("model", "rollback", "als", "--json", "extra")]
    public async Task BadArgumentsExitWithTwoWithoutConnecting(params string[] args)
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync(args);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().NotBeEmpty();
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task UnknownKindIsNamedInTheError()
    {
        var cli = new TestCli();

        (await cli.RunAsync("model", "train", "bpr")).Should().Be(ExitCodes.BadInput);

        cli.Error.ToString().Should().Contain("model kind 'bpr' is not known: use als or propensity");
    }

    // ---- train ----

    [Fact]
    public async Task TrainFollowsTheJobToSuccessWithProgressLinesAndMetrics()
    {
        var (cli, registry) = WithFakeRegistry();
        RunningThenSucceeded(registry);

        var exit = await cli.RunAsync("model", "train", "als", "--promote-if-better");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        registry.StartCalls.Should().Equal(("als", true));
        registry.JobCalls.Should().HaveCount(4).And.OnlyContain(id => id == "job-1");

        var progress = cli.Error.ToString();
        progress.Should().Contain("training job job-1 (als)")
            .And.Contain("iteration 1/4, loss 2048.4, training on the evaluation split")
            .And.Contain("iteration 3/4, loss 990.5, training on all data");
        progress.Split("iteration 1/4").Should().HaveCount(2, "an unchanged poll prints no new line");

        var output = Flat(cli.Out);
        output.Should().Contain("succeeded in 42s, version 20261123T180000Z-abc123")
            .And.MatchRegex(@"promoted:\s+recall@10 0\.2345 vs active 0\.2000")
            .And.Contain("Promoted: 20261123T180000Z-abc123 is now the active als model");
        foreach (var (metric, model, baseline) in new[]
        {
            ("recall@10", "0.2345", "0.1011"), ("precision@10", "0.0412", "0.0177"), ("ndcg@10", "0.1876", "0.0733"),
            ("map@10", "0.0911", "0.0301"), ("coverage@10", "0.3125", "0.0042"),
        })
        {
            output.Should().MatchRegex($@"{System.Text.RegularExpressions.Regex.Escape(metric)}\s*│\s*{model}\s*│\s*{baseline}");
        }
    }

    [Fact]
    public async Task TrainWithLiveBarWhenStdoutIsATerminal()
    {
        var (cli, registry) = WithFakeRegistry();
        cli.OutIsTerminal = true;
        RunningThenSucceeded(registry);

        var exit = await cli.RunAsync("model", "train", "als");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        cli.Error.ToString().Should().NotContain("iteration", "the live bar replaces the plain progress lines");
        Flat(cli.Out).Should().Contain("version 20261123T180000Z-abc123");
    }

    [Fact]
    public async Task TrainJsonIsTheFinalJob()
    {
        var (cli, registry) = WithFakeRegistry();
        RunningThenSucceeded(registry);

        var exit = await cli.RunAsync("model", "train", "als", "--promote-if-better", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.EnumerateObject().Select(p => p.Name).Should().StartWith(
            ["jobId", "kind", "state", "version", "promoted", "message", "metrics", "startedAt", "finishedAt"]);
        json.GetProperty("jobId").GetString().Should().Be("job-1");
        json.GetProperty("kind").GetString().Should().Be("als");
        json.GetProperty("state").GetString().Should().Be("succeeded");
        json.GetProperty("version").GetString().Should().Be("20261123T180000Z-abc123");
        json.GetProperty("promoted").GetBoolean().Should().BeTrue();
        json.GetProperty("message").GetString().Should().Contain("promoted: recall@10");
        json.GetProperty("metrics").GetProperty("recall@10").GetDouble().Should().Be(0.2345);
        json.GetProperty("metrics").GetProperty("popularity.ndcg@10").GetDouble().Should().Be(0.0733);
        json.GetProperty("startedAt").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero));
        json.GetProperty("finishedAt").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 11, 23, 18, 0, 42, TimeSpan.Zero));
        cli.Error.ToString().Should().Contain("iteration 3/4", "progress goes to stderr, never into the JSON");
    }

    [Fact]
    public async Task FailedTrainingExitsWithOneAndTheMessageOnStderr()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.Updates.Enqueue(Job(TrainingState.Running, 0, 4, message: "reading the interaction log"));
        registry.Updates.Enqueue(Job(TrainingState.Failed, 0, 4, message: "no interactions to train on: import interactions first"));

        var exit = await cli.RunAsync("model", "train", "als", "--json");

        exit.Should().Be(ExitCodes.Failure);
        cli.Error.ToString().Should().Contain("error: training job job-1 (als) failed: no interactions to train on: import interactions first");
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("state").GetString().Should().Be("failed");
        json.GetProperty("version").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("metrics").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("promoted").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task PropensityIsPassedThroughAndTheServersRefusalIsExitOne()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.Started = Job(TrainingState.Failed, 0, 0, message: "model kind 'propensity' cannot be trained by this version (only 'als')");

        var exit = await cli.RunAsync("model", "train", "propensity");

        exit.Should().Be(ExitCodes.Failure);
        registry.StartCalls.Should().Equal(("propensity", false));
        registry.JobCalls.Should().BeEmpty("a job that already failed is not polled");
        cli.Error.ToString().Should().Contain("model kind 'propensity' cannot be trained by this version");
        Flat(cli.Out).Should().Contain("failed");
    }

    [Fact]
    public async Task NoWaitReturnsTheRunningJobWithoutPolling()
    {
        var (cli, registry) = WithFakeRegistry();

        var exit = await cli.RunAsync("model", "train", "als", "--no-wait", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        registry.JobCalls.Should().BeEmpty();
        registry.StartCalls.Should().Equal(("als", false));
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("state").GetString().Should().Be("running");
        json.GetProperty("finishedAt").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task AJobTheRegistryForgotIsExitOne()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.Updates.Enqueue(null);

        var exit = await cli.RunAsync("model", "train", "als");

        exit.Should().Be(ExitCodes.Failure);
        cli.Error.ToString().Should().Contain("no longer knows training job job-1");
    }

    [Fact]
    public async Task NotPromotedWithoutPromoteIfBetterSaysHowToPromote()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.Updates.Enqueue(Succeeded with { Promoted = false, PromoteIfBetter = false, Message = "trained on 1,000 interactions" });

        (await cli.RunAsync("model", "train", "als")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        Flat(cli.Out).Should().Contain("Not promoted").And.Contain("osr-admin model promote als 20261123T180000Z-abc123");
    }

    // ---- list ----

    private static readonly ModelVersionView[] TwoVersions =
    [
        new("als", "20261124T020000Z-def456", true, new DateTimeOffset(2026, 11, 24, 2, 0, 0, TimeSpan.Zero),
            new Dictionary<string, double> { ["recall@10"] = 0.25, ["ndcg@10"] = 0.19, ["popularity.recall@10"] = 0.1, ["map@10"] = double.NaN }, 50, 80, 1000),
        new("als", "20261123T180000Z-abc123", false, new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero),
            new Dictionary<string, double> { ["recall@10"] = 0.2 }, 40, 70, 900),
    ];

    [Fact]
    public async Task ListJsonHasTheContractShape()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.Versions = TwoVersions;

        var exit = await cli.RunAsync("model", "list", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.ValueKind.Should().Be(JsonValueKind.Array);
        json.GetArrayLength().Should().Be(2);
        var first = json[0];
        first.EnumerateObject().Select(p => p.Name).Should().Equal("kind", "version", "active", "createdAt", "metrics", "users", "items", "interactions");
        first.GetProperty("kind").GetString().Should().Be("als");
        first.GetProperty("version").GetString().Should().Be("20261124T020000Z-def456");
        first.GetProperty("active").GetBoolean().Should().BeTrue();
        first.GetProperty("createdAt").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 11, 24, 2, 0, 0, TimeSpan.Zero));
        first.GetProperty("metrics").GetProperty("recall@10").GetDouble().Should().Be(0.25);
        first.GetProperty("metrics").GetProperty("ndcg@10").GetDouble().Should().Be(0.19);
        first.GetProperty("metrics").GetProperty("popularity.recall@10").GetDouble().Should().Be(0.1);
        first.GetProperty("metrics").GetProperty("map@10").ValueKind.Should().Be(JsonValueKind.Null, "NaN is not JSON");
        first.GetProperty("users").GetInt32().Should().Be(50);
        first.GetProperty("items").GetInt32().Should().Be(80);
        first.GetProperty("interactions").GetInt64().Should().Be(1000);
        json[1].GetProperty("active").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task ListTableMarksTheActiveVersion()
    {
        var (cli, registry) = WithFakeRegistry();
        cli.ConsoleWidth = 140;
        registry.Versions = TwoVersions;

        (await cli.RunAsync("model", "list")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var output = cli.Out.ToString();
        output.Should().MatchRegex(@"│ als\s+│ 20261124T020000Z-def456 │\s+✓\s+│ 2026-11-24 02:00 │\s+50 / 80 / 1,000 │\s+0\.2500 │\s+0\.1900 │\s+0\.1000 │");
        output.Should().MatchRegex(@"│ als\s+│ 20261123T180000Z-abc123 │\s+│ 2026-11-23 18:00 │\s+40 / 70 / 900 │\s+0\.2000 │\s+— │\s+— │");
    }

    [Fact]
    public async Task ListOnANarrowConsoleUsesLinesInsteadOfASqueezedTable()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.Versions = TwoVersions;

        (await cli.RunAsync("model", "list")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var lines = cli.Out.ToString().Split('\n').Select(l => l.TrimEnd()).ToArray();
        lines.Should().Contain("als 20261124T020000Z-def456 ✓ active")
            .And.Contain("  created 2026-11-24 02:00 UTC, 50 users, 80 items, 1,000 interactions")
            .And.Contain("  recall@10 0.2500, ndcg@10 0.1900, popularity recall@10 0.1000")
            .And.Contain("als 20261123T180000Z-abc123")
            .And.Contain("  recall@10 0.2000, ndcg@10 —, popularity recall@10 —");
        lines.Should().OnlyContain(l => l.Length <= 80);
    }

    [Fact]
    public async Task EmptyListSaysHowToTrain()
    {
        var (cli, _) = WithFakeRegistry();

        (await cli.RunAsync("model", "list")).Should().Be(ExitCodes.Success);
        Flat(cli.Out).Should().Contain("No model versions yet");

        var (jsonCli, _) = WithFakeRegistry();
        (await jsonCli.RunAsync("model", "list", "--json")).Should().Be(ExitCodes.Success);
        JsonDocument.Parse(jsonCli.Out.ToString()).RootElement.GetArrayLength().Should().Be(0);
    }

    // ---- promote / rollback ----

    [Fact]
    public async Task PromoteCallsTheRegistry()
    {
        var (cli, registry) = WithFakeRegistry();

        var exit = await cli.RunAsync("model", "promote", "als", "v2", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        registry.PromoteCalls.Should().Equal(("als", "v2"));
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("ok").GetBoolean().Should().BeTrue();
        json.GetProperty("kind").GetString().Should().Be("als");
        json.GetProperty("activeVersion").GetString().Should().Be("v2");
        json.GetProperty("message").GetString().Should().Be("als v2 is now active");
    }

    [Fact]
    public async Task PromoteOfAnUnknownVersionIsBadInput()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.PromoteResult = new RegistryResult(false, "no als model version 'v9' (see: osr-admin model list)", "v1");

        var exit = await cli.RunAsync("model", "promote", "als", "v9", "--json");

        exit.Should().Be(ExitCodes.BadInput);
        registry.PromoteCalls.Should().Equal(("als", "v9"));
        cli.Error.ToString().Should().Contain("no als model version 'v9'").And.Contain("nothing was changed");
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task RollbackCallsTheRegistry()
    {
        var (cli, registry) = WithFakeRegistry();

        var exit = await cli.RunAsync("model", "rollback", "als");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        registry.RollbackCalls.Should().Equal("als");
        Flat(cli.Out).Should().Contain("als rolled back to v1");
    }

    [Fact]
    public async Task RollbackWithNothingToRollBackToIsBadInput()
    {
        var (cli, registry) = WithFakeRegistry();
        registry.RollbackResult = new RegistryResult(false, "no earlier als version to roll back to", "v1");

        var exit = await cli.RunAsync("model", "rollback", "als");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Should().Contain("no earlier als version to roll back to");
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task ValidModelArgumentsReachTheClusterFactory()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("model", "promote", "propensity", "20261123T180000Z-abc123");

        exit.Should().Be(ExitCodes.Failure);   // the recording factory refuses to connect
        cli.Clusters.Calls.Should().ContainSingle();
    }
}
