using Osr.Orleans.Client.Cli;

namespace Osr.Orleans.IntegrationTests.Client;

public class ImportCommandTests
{
    [Fact]
    public async Task DevicesImportReportsEveryBadLineAndConnectsNowhere()
    {
        using var files = new TempFiles();
        var path = files.Write("deviceId,userId,kind\nw1,u1,watch\nbad/id,u2,watch\nw1,u3,phone\nw4,,watch\n");
        var cli = new TestCli();

        var exit = await cli.RunAsync("devices", "import", path);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        var errors = cli.Error.ToString();
        errors.Should().Contain("line 3:").And.Contain("line 4:").And.Contain("first on line 2").And.Contain("line 5:");
        errors.Should().Contain("nothing was registered");
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task UsersImportReportsEveryBadLineAndConnectsNowhere()
    {
        using var files = new TempFiles();
        var path = files.Write("userId,age,timezone,segment\nu1,34,Europe/Amsterdam,running\nu2,4,Europe/Amsterdam,\nu3,,Mars/Olympus,\n");
        var cli = new TestCli();

        var exit = await cli.RunAsync("users", "import", path, "--json");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("line 3:").And.Contain("line 4:").And.NotContain("line 2:");
    }

    [Fact]
    public async Task MissingFileIsBadInput()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("devices", "import", "/nonexistent/devices.csv");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("file not found");
    }

    [Fact]
    public async Task BinaryFileIsBadInputWithALineNumber()
    {
        using var files = new TempFiles();
        var path = files.WriteBytes([.. "deviceId,userId,kind\nw1,u1,watch\n"u8.ToArray(), 0x00, 0x01, 0xFF, 0x10]);
        var cli = new TestCli();

        var exit = await cli.RunAsync("devices", "import", path);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("line 3").And.Contain("binary");
    }

    [Fact]
    public async Task ValidFileIsCheckedAgainstTheCluster()
    {
        using var files = new TempFiles();
        var path = files.Write("deviceId,userId,kind\r\nw1,u1,watch\r\nw2,u1,\r\n");
        var cli = new TestCli();

        var exit = await cli.RunAsync("devices", "import", path);

        exit.Should().Be(ExitCodes.Failure);
        cli.Clusters.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task DevicesImportWithABrokerFileThatIsNotOneRegistersNothing()
    {
        using var files = new TempFiles();
        var path = files.Write("deviceId,userId,kind\nw1,u1,watch\n");
        var accounts = files.Write("{ \"clients\": 3 }");
        var cli = new TestCli();

        var exit = await cli.RunAsync("devices", "import", path, "--broker-file", accounts);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("--broker-file").And.Contain("\"clients\" is not an array").And.Contain("nothing was registered");
    }

    [Fact]
    public async Task SimulateRefusesABrokerFileWithoutProvisioningOrInABacktest()
    {
        var cli = new TestCli();

        var unprovisioned = await cli.RunAsync("simulate", "--no-provision", "--broker-file", "/tmp/x.json", "--duration", "1s");
        var backtest = await new TestCli().RunAsync("simulate", "--clock", "event", "--days", "1", "--broker-file", "/tmp/x.json");

        unprovisioned.Should().Be(ExitCodes.BadInput);
        backtest.Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Should().Contain("--broker-file").And.Contain("--no-provision");
        cli.Clusters.Calls.Should().BeEmpty();
        var waitAlone = new TestCli();
        (await waitAlone.RunAsync("simulate", "--broker-wait", "5m", "--duration", "1s")).Should().Be(ExitCodes.BadInput);
        waitAlone.Error.ToString().Should().Contain("--broker-wait needs --broker-file");
        waitAlone.Clusters.Calls.Should().BeEmpty();
    }
}
