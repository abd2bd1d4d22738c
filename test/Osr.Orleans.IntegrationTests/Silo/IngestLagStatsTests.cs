using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Client;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>
/// <c>stats --json</c> → <c>ingest.lagMs</c> with a real silo, its embedded broker and a real MQTT device, under an
/// injected clock: each message's lag (clock at apply − its reading's <c>ts</c>) is known exactly.
/// </summary>
public sealed class IngestLagStatsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task StatsJsonShowsTheCountAndPercentilesOfTheLagOfTheLastMinute()
    {
        var time = new FakeTimeProvider(Start);
        var mqttPort = FreePort.Next();
        await using var silo = await InProcessSilo.StartAsync(
            new Dictionary<string, string?> { ["Osr:Storage:Mode"] = "Memory", ["Osr:Mqtt:Port"] = mqttPort.ToString(CultureInfo.InvariantCulture) },
            services => services.AddSingleton(new OsrClock(time)));
        var registered = await silo.Grains.GetGrain<IDeviceGrain>("lag-d1").RegisterAsync("lag-u1", "watch");
        registered.Ok.Should().BeTrue(registered.Error);
        await using var device = await DeviceClient.ConnectAsync(mqttPort, "lag-d1", registered.Secret!);

        // 100 messages of one reading each: the first 2 s old when applied, the other 99 20 ms old.
        // The PUBACK follows the apply, so each lag is taken at the clock as it is before the next step.
        for (var seq = 1; seq <= 100; seq++)
        {
            var lag = seq == 1 ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(20);
            await device.PublishAsync("osr/v1/devices/lag-d1/readings", Readings.Json(seq, time.GetUtcNow() - lag, 70));
            time.Advance(TimeSpan.FromMilliseconds(50));
        }
        time.Advance(TimeSpan.FromSeconds(1)); // the reporter's next tick carries the last deltas

        var stats = silo.Grains.GetGrain<IStatsGrain>(GrainKeys.Global);
        await Poll.UntilAsync(async () => (await stats.GetAsync()).IngestLag?.Count == 100, "the stats grain has all 100 lags");

        var cli = new TestCli();
        cli.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        (await cli.RunAsync("stats", "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());
        var lagMs = JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("ingest").GetProperty("lagMs");
        lagMs.GetProperty("count").GetInt64().Should().Be(100);
        // Buckets are 2^(1/8) ≈ 9 % wide: a percentile is within one bucket of the true value.
        lagMs.GetProperty("p50").GetDouble().Should().BeInRange(20 / 1.0905, 20 * 1.0905);
        lagMs.GetProperty("p99").GetDouble().Should().BeInRange(20 / 1.0905, 20 * 1.0905);
        lagMs.GetProperty("p999").GetDouble().Should().BeInRange(2000 / 1.0905, 2000 * 1.0905);

        // A minute later the window is empty again.
        time.Advance(TimeSpan.FromSeconds(61));
        await Poll.UntilAsync(async () => (await stats.GetAsync()).IngestLag?.Count == 0, "lags older than 60 s leave the window");
        var plain = new TestCli { ConsoleWidth = 200 };
        plain.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        (await plain.RunAsync("stats")).Should().Be(ExitCodes.Success, plain.Error.ToString());
        plain.Out.ToString().Should().Contain("ingest lag p50/p99/p999 —/—/— ms over the last 60 s (nothing applied)");
    }
}
