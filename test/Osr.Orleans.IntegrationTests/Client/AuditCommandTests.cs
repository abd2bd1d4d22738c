using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.IntegrationTests.Client;

public class AuditCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    private static readonly AuditEntry[] Entries =
    [
        new(1, Now.AddHours(-3), "cert:CN=alice", AuditActions.RulesSet, "cap.day (global) v4", null,
            """{"key":"cap.day","scope":"global","value":"3"}""", """{"key":"cap.day","scope":"global","value":"2"}"""),
        new(2, Now.AddHours(-1), "os:bob@box", AuditActions.DevicesRevoke, "w-1", "u-1", """{"revoked":false}""", """{"revoked":true}"""),
    ];

    private static (TestCli Cli, FakeAuditGrain Grain) WithAudit()
    {
        var grain = new FakeAuditGrain(Entries);
        var cli = new TestCli { ConsoleWidth = 250, Time = new FakeTimeProvider(Now) };
        cli.Clusters.Connection = new FakeClusterConnection().Add<IAuditGrain>(GrainKeys.Global, grain);
        return (cli, grain);
    }

    [Theory]
    [InlineData("audit")]
    [InlineData("audit", "show", "--since", "yesterday")]
    [InlineData("audit", "show", "--since", "2026-11-23T18:00:00")]
    [InlineData("audit", "show", "--limit", "0")]
    [InlineData("audit", "show", "extra")]
    public async Task BadArgumentsExitWithTwoWithoutConnecting(params string[] args)
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync(args);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().NotBeEmpty();
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("2026-11-23T17:30:00+01:00", "2026-11-23T16:30:00Z")]
    [InlineData("24h", "2026-11-22T18:00:00Z")]
    [InlineData("90m", "2026-11-23T16:30:00Z")]
    public async Task SinceIsAnInstantOrAnAgeOnTheConsolesClock(string? since, string? expected)
    {
        var (cli, grain) = WithAudit();

        var exit = await cli.RunAsync(since is null ? ["audit", "show"] : ["audit", "show", "--since", since]);

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        grain.Reads.Should().ContainSingle().Which.Should().Be((expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), 1000));
    }

    [Fact]
    public async Task TheTableShowsWhoWhenWhatAndBeforeAfter()
    {
        var (cli, _) = WithAudit();

        var exit = await cli.RunAsync("audit", "show");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var output = cli.Out.ToString();
        output.Should().Contain("2026-11-23T15:00:00Z").And.Contain("cert:CN=alice").And.Contain("rules.set").And.Contain("cap.day (global) v4");
        output.Should().Contain("""{"revoked":false} → {"revoked":true}""");
    }

    [Fact]
    public async Task JsonHasTheContractsFields()
    {
        var (cli, _) = WithAudit();

        var exit = await cli.RunAsync("audit", "show", "--json", "--limit", "5");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetArrayLength().Should().Be(2);
        var first = json[0];
        first.EnumerateObject().Select(p => p.Name).Should().Equal("id", "at", "who", "action", "target", "before", "after");
        first.GetProperty("at").GetString().Should().Be("2026-11-23T15:00:00Z");
        first.GetProperty("who").GetString().Should().Be("cert:CN=alice");
        first.GetProperty("before").GetString().Should().Be("""{"key":"cap.day","scope":"global","value":"3"}""");
    }

    [Fact]
    public async Task AnEmptyTrailSaysSo()
    {
        var cli = new TestCli();
        cli.Clusters.Connection = new FakeClusterConnection().Add<IAuditGrain>(GrainKeys.Global, new FakeAuditGrain([]));

        var exit = await cli.RunAsync("audit", "show");

        exit.Should().Be(ExitCodes.Success);
        cli.Out.ToString().Trim().Should().Be("No admin changes recorded yet.");
    }
}

/// <summary>An <see cref="IAuditGrain"/> that returns its entries and records each read.</summary>
internal sealed class FakeAuditGrain(AuditEntry[] entries) : IAuditGrain
{
    public List<(DateTimeOffset? Since, int Limit)> Reads { get; } = [];

    public ValueTask<AuditEntry[]> ReadAsync(DateTimeOffset? since, int limit)
    {
        Reads.Add((since, limit));
        return ValueTask.FromResult(entries);
    }
}
