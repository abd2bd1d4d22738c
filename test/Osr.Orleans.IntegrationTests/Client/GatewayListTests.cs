using Microsoft.Extensions.Configuration;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Client;

/// <summary><c>osr-admin --gateway H:P[,H:P…]</c> (docs/contract.md "Storage and cluster"): any live gateway of the list serves.</summary>
public sealed class GatewayListTests
{
    [Fact]
    public async Task ADeadGatewayInTheListIsPassedOverForALiveOne()
    {
        await using var silo = await InProcessSilo.StartAsync(new Dictionary<string, string?> { ["Osr:Storage:Mode"] = "Memory" });
        var dead = FreePort.Next(); // nothing listens there
        var target = ClusterTarget.Resolve(new ConfigurationBuilder().Build(), $"127.0.0.1:{dead},127.0.0.1:{silo.GatewayPort}");

        await using var connection = await new OrleansClusterConnectionFactory().ConnectAsync(target, verbose: false, CancellationToken.None);
        var stats = await connection.Grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync();

        target.Gateways.Should().HaveCount(2);
        stats.Should().NotBeNull();
    }

    [Fact]
    public async Task TheListReachesTheClusterFactoryWhole()
    {
        var cli = new TestCli();

        await cli.RunAsync("stats", "--gateway", "10.0.0.5:31000, 10.0.0.6:31001");

        var target = cli.Clusters.Calls.Should().ContainSingle().Subject;
        target.Mode.Should().Be(ClusterMode.Static);
        target.Gateways.Should().Equal(new EndpointParser.HostPort("10.0.0.5", 31000), new EndpointParser.HostPort("10.0.0.6", 31001));
        target.Describe().Should().Be("10.0.0.5:31000,10.0.0.6:31001");
    }

    [Theory]
    [InlineData("127.0.0.1:30000,")]
    [InlineData("127.0.0.1:30000,,127.0.0.1:30001")]
    [InlineData("127.0.0.1:30000,nohost")]
    [InlineData("127.0.0.1:30000,127.0.0.1:99999")]
    public async Task AMalformedListIsBadInputWithoutConnecting(string list)
    {
        var cli = new TestCli();

        var code = await cli.RunAsync("stats", "--gateway", list);

        code.Should().Be(2);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("--gateway");
    }
}
