using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Commands;

namespace Osr.Orleans.IntegrationTests.Client;

public class BacktestArgumentTests
{
    [Theory]
    [InlineData("--clock", "bogus")]
    [InlineData("--clock", "Event")]
    [InlineData("--clock", "event", "--days", "0")]
    [InlineData("--clock", "event", "--days", "61")]
    [InlineData("--clock", "event", "--days", "two")]
    [InlineData("--clock", "event", "--step", "30s")]
    [InlineData("--clock", "event", "--step", "7h")]
    [InlineData("--clock", "event", "--step", "15")]
    [InlineData("--clock", "event", "--interval", "500ms")]
    [InlineData("--clock", "event", "--interval", "11m")]
    [InlineData("--clock", "event", "--interval", "-30s")]
    [InlineData("--clock", "event", "--start", "2026-11-02")]
    [InlineData("--clock", "event", "--start", "2026-11-02T00:00:00")]
    [InlineData("--clock", "event", "--start", "2026-11-02 00:00:00Z")]
    [InlineData("--clock", "event", "--start", "02/11/2026 00:00 +00:00")]
    [InlineData("--clock", "event", "--start", "2026-13-02T00:00:00Z")]
    [InlineData("--clock", "event", "--start", "yesterday")]
    [InlineData("--days", "2")]
    [InlineData("--clock", "wall", "--days", "2")]
    [InlineData("--start", "2026-11-02T00:00:00Z")]
    [InlineData("--step", "15m")]
    [InlineData("--interval", "30s")]
    [InlineData("--clock", "event", "--rate", "100")]
    [InlineData("--clock", "event", "--realtime-day")]
    [InlineData("--clock", "event", "--cycle", "6m")]
    [InlineData("--clock", "event", "--duration", "5m")]
    [InlineData("--clock", "event", "--batch", "10")]
    [InlineData("--clock", "event", "--watch")]
    [InlineData("--clock", "event", "--no-provision")]
    [InlineData("--clock", "event", "--warmup", "10s")]
    [InlineData("--clock", "event", "--latency-from", "intended")]
    [InlineData("--no-provision", "--no-catalog")]
    [InlineData("--clock", "event", "--duration", "1s", "--latency-samples", "s.txt")]
    [InlineData("--latency-samples", "s.txt")]
    public async Task BadBacktestArgumentsExitWithTwoWithoutConnecting(params string[] args)
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync(["simulate", .. args]);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().NotBeEmpty();
        cli.Out.ToString().Should().BeEmpty();
    }

    [Theory]
    [InlineData("--rate")]
    [InlineData("--realtime-day")]
    [InlineData("--cycle")]
    public async Task EventClockNamesTheOptionItCannotTake(string option)
    {
        var cli = new TestCli();
        string[] value = option == "--realtime-day" ? [] : option == "--rate" ? ["100"] : ["6m"];

        var exit = await cli.RunAsync(["simulate", "--clock", "event", option, .. value]);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Should().Contain($"--clock event cannot be combined with {option}");
    }

    [Fact]
    public async Task PushesFileWithoutTheEventClockSaysWhatItNeeds()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("simulate", "--duration", "1s", "--pushes", "p.csv");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Should().Contain("--pushes needs --clock event");
        cli.Clusters.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task DaysWithoutTheEventClockSaysWhatItNeeds()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("simulate", "--days", "3");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Should().Contain("--days needs --clock event");
    }

    [Theory]
    [InlineData("--clock", "event")]
    [InlineData("--clock", "event", "--days", "60", "--step", "6h", "--interval", "10m", "--start", "2026-03-29T00:00:00+02:00")]
    [InlineData("--clock", "event", "--days", "1", "--step", "1m", "--interval", "1s", "--start", "2026-11-02t06:30:00.250z", "--no-feedback", "--no-catalog")]
    [InlineData("--clock", "event", "--pushes", "pushes.csv")]
    [InlineData("--clock", "wall", "--duration", "1s", "--no-feedback")]
    [InlineData("--duration", "1s", "--latency-samples", "s.txt")]
    public async Task GoodArgumentsGetAsFarAsConnecting(params string[] args)
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync(["simulate", .. args]);

        exit.Should().Be(ExitCodes.Failure, cli.Error.ToString());   // the recording factory refuses to connect
        cli.Clusters.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task HelpExplainsTheEventClockNeedsAnEventClockSilo()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("simulate", "--help");

        exit.Should().Be(ExitCodes.Success);
        var help = cli.Out.ToString();
        help.Should().Contain("--clock").And.Contain("--days").And.Contain("--start").And.Contain("--step").And.Contain("--interval")
            .And.Contain("--no-catalog").And.Contain("--no-feedback");
        help.Should().Contain("--Osr:Clock=Event");
    }
}
