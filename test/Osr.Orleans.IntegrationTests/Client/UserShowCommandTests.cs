using System.Text.Json;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.IntegrationTests.Client;

public class UserShowCommandTests
{
    private static UserSnapshot Snapshot(params CandidateView[] candidates) => new(
        "u1", "rest", null,
        new EstimateView(new ChannelView(62, 1.5), new ChannelView(null, null), new ChannelView(null, null), new ChannelView(null, null),
            new PositionView(null, null, null), null),
        [], [], [], [], null, "UTC", "runners", null, 0, null, candidates, [], []);

    private static TestCli WithUser(UserSnapshot snapshot)
    {
        var cli = new TestCli();
        cli.Clusters.Connection = new FakeClusterConnection().Add<IUserStateGrain>(snapshot.UserId, new FakeUserStateGrain(snapshot));
        return cli;
    }

    private static readonly CandidateView[] Candidates =
    [
        new("drink-3", "drinks", 1.23456, "als", "20261123T180000Z-abc123"),
        new("prog-17", "strength", 0.5, "popular-segment", "20261123T180000Z-abc123"),
    ];

    [Fact]
    public async Task CandidatesAreInTheJson()
    {
        var cli = WithUser(Snapshot(Candidates));

        var exit = await cli.RunAsync("user", "show", "u1", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var candidates = JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("candidates");
        candidates.GetArrayLength().Should().Be(2);
        var first = candidates[0];
        first.EnumerateObject().Select(p => p.Name).Should().Equal("itemId", "category", "affinity", "propensity", "osr", "source", "modelVersion", "affinityZ", "raw");
        first.GetProperty("itemId").GetString().Should().Be("drink-3");
        first.GetProperty("category").GetString().Should().Be("drinks");
        first.GetProperty("affinity").GetDouble().Should().Be(1.23456);
        first.GetProperty("propensity").ValueKind.Should().Be(JsonValueKind.Null);
        first.GetProperty("osr").ValueKind.Should().Be(JsonValueKind.Null);
        first.GetProperty("source").GetString().Should().Be("als");
        first.GetProperty("modelVersion").GetString().Should().Be("20261123T180000Z-abc123");
        candidates[1].GetProperty("source").GetString().Should().Be("popular-segment");
    }

    [Fact]
    public async Task CandidatesAreATableInText()
    {
        var cli = WithUser(Snapshot(Candidates));

        (await cli.RunAsync("user", "show", "u1")).Should().Be(ExitCodes.Success, cli.Error.ToString());

        var output = cli.Out.ToString();
        output.Should().Contain("Candidates").And.Contain("drink-3").And.Contain("1.235").And.Contain("prog-17").And.Contain("0.500")
            .And.Contain("popular-segment").And.NotContain("no model is active");
    }

    [Fact]
    public async Task NoCandidatesSaysNoModelIsActive()
    {
        var cli = WithUser(Snapshot());

        (await cli.RunAsync("user", "show", "u1")).Should().Be(ExitCodes.Success, cli.Error.ToString());
        cli.Out.ToString().Should().Contain("none yet — no model is active");

        var jsonCli = WithUser(Snapshot());
        (await jsonCli.RunAsync("user", "show", "u1", "--json")).Should().Be(ExitCodes.Success);
        JsonDocument.Parse(jsonCli.Out.ToString()).RootElement.GetProperty("candidates").GetArrayLength().Should().Be(0);
    }
}
