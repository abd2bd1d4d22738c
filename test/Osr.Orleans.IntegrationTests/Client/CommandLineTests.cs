using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;

namespace Osr.Orleans.IntegrationTests.Client;

public class CommandLineTests
{
    [Theory]
    [InlineData("devices", "register", "--device", "d/1", "--user", "u1")]
    [InlineData("devices", "register", "--device", "d1", "--user", "u 1")]
    [InlineData("devices", "register", "--device", "d1", "--user", "u1", "--kind", "wat#ch")]
    [InlineData("devices", "register", "--user", "u1")]
    [InlineData("devices", "register", "--device")]
    [InlineData("devices", "register", "--device", "d1", "--user", "u1", "--bogus")]
    [InlineData("devices", "import")]
    [InlineData("users", "import", "a.csv", "b.csv")]
    [InlineData("user", "show")]
    [InlineData("user", "show", "has/slash")]
    [InlineData("stats", "--gateway", "nohostport")]
    [InlineData("stats", "--gateway", "host:99999")]
    [InlineData("stats", "extra")]
    [InlineData("simulate", "--users", "many")]
    [InlineData("simulate", "--users", "0")]
    [InlineData("simulate", "--users", "-3")]
    [InlineData("simulate", "--rate", "fast")]
    [InlineData("simulate", "--rate", "-1")]
    [InlineData("simulate", "--duration", "-5s")]
    [InlineData("simulate", "--duration", "10")]
    [InlineData("simulate", "--duration", "0s")]
    [InlineData("simulate", "--batch", "0")]
    [InlineData("simulate", "--batch", "100000")]
    [InlineData("simulate", "--cycle", "5s")]
    [InlineData("simulate", "--cycle", "2m", "--realtime-day")]
    [InlineData("simulate", "--seed", "-1")]
    [InlineData("simulate", "--prefix", "a+b")]
    [InlineData("simulate", "--mqtt", "localhost")]
    [InlineData("simulate", "--mqtt", "127.0.0.1:1883,127.0.0.1:1883")]
    [InlineData("simulate", "--mqtt", "127.0.0.1:1883,")]
    [InlineData("simulate", "--mqtt", "127.0.0.1:1883,127.0.0.1:0")]
    [InlineData("simulate", "--local-addresses", "127.0.0.1,not-an-ip")]
    [InlineData("simulate", "--connect-concurrency", "0")]
    [InlineData("frobnicate")]
    [InlineData]
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
    public async Task JsonIsAcceptedOnEveryCommandAndStillRefusesBadInput()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("user", "show", "bad id", "--json");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task UnreachableClusterExitsWithOneAndNamesTheAddress()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("stats");

        exit.Should().Be(ExitCodes.Failure);
        cli.Clusters.Calls.Should().ContainSingle().Which.Should().Be(ClusterTarget.Default);
        cli.Error.ToString().Should().Contain("cannot reach the cluster at 127.0.0.1:30000: is the silo running?");
    }

    [Fact]
    public async Task GatewayOptionSelectsStaticClustering()
    {
        var cli = new TestCli();

        await cli.RunAsync("user", "show", "u1", "--gateway", "10.0.0.5:31000");

        var target = cli.Clusters.Calls.Should().ContainSingle().Subject;
        target.Mode.Should().Be(ClusterMode.Static);
        target.Gateway.Should().Be(new EndpointParser.HostPort("10.0.0.5", 31000));
    }

    [Fact]
    public async Task ClusterSettingsComeFromConfiguration()
    {
        var cli = new TestCli();
        cli.Settings["Osr:Cluster:Mode"] = "AdoNet";
        cli.Settings["Osr:Cluster:ConnectionString"] = "Host=db;Database=osr";

        await cli.RunAsync("stats");

        var target = cli.Clusters.Calls.Should().ContainSingle().Subject;
        target.Mode.Should().Be(ClusterMode.AdoNet);
        target.ConnectionString.Should().Be("Host=db;Database=osr");
    }

    [Fact]
    public async Task UnsupportedClusterModeIsBadInputWithoutConnecting()
    {
        var cli = new TestCli();
        cli.Settings["Osr:Cluster:Mode"] = "Carrier-Pigeon";

        var exit = await cli.RunAsync("stats");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task ValidRegisterArgumentsReachTheClusterFactory()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("devices", "register", "--device", "w-1", "--user", "u-1", "--kind", "chest-strap", "--json");

        exit.Should().Be(ExitCodes.Failure);   // the recording factory refuses to connect
        cli.Clusters.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task HelpExitsWithZero()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("simulate", "--help");

        exit.Should().Be(ExitCodes.Success);
        cli.Out.ToString().Should().Contain("--local-addresses").And.Contain("--realtime-day");
    }
}
