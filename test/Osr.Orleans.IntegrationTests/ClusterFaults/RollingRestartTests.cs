using System.Globalization;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// A deploy: the three silos restarted one at a time (SIGTERM, graceful shutdown, start again on the same ports) under
/// 2,000 readings/s with decisions on. After each restart every device applies readings again within 15 s, and at the
/// end nothing acknowledged is missing, no notification reached a device twice and <c>cap.day</c> held.
/// </summary>
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task RestartingEverySiloInTurnUnderLoadLosesNothingAcknowledged()
    {
        var postgres = await PostgresServer.Shared;
        await using var cluster = await FaultCluster.StartAsync(postgres, silos: 3, users: 120, prefix: "rolling");
        cluster.StartLoad(2_000);
        await cluster.WaitUntilEveryDeviceAppliesAsync(cluster.Time.GetTimestamp(), "every device applies readings before the deploy", TimeSpan.FromSeconds(30));

        foreach (var silo in cluster.Silos)
        {
            // The same ports after the restart, as a deployment keeps its addresses.
            silo.Settings["Osr:Mqtt:Port"] = silo.MqttPort.ToString(CultureInfo.InvariantCulture);
            silo.Settings["Osr:Cluster:GatewayPort"] = silo.GatewayPort.ToString(CultureInfo.InvariantCulture);
            silo.Settings["Osr:Cluster:SiloPort"] = silo.SiloPort.ToString(CultureInfo.InvariantCulture);
            var stoppedAt = cluster.Time.GetTimestamp();
            (await silo.StopAsync()).Should().Be(0, $"{silo.Name} shuts down cleanly\n{silo.Output}");
            await silo.StartAsync(TimeSpan.FromSeconds(90));
            var recovered = await cluster.WaitUntilEveryDeviceAppliesAsync(stoppedAt, $"every device applies readings after {silo.Name} restarted",
                TimeSpan.FromSeconds(60));
            output.WriteLine($"{silo.Name}: every device applying again {recovered.TotalSeconds:0.00} s after SIGTERM");
            recovered.Should().BeLessThanOrEqualTo(Recovery, cluster.Logs);
        }

        await cluster.WaitUntilEveryDeviceAppliesAsync(cluster.Time.GetTimestamp(), "every device applies readings after the deploy", TimeSpan.FromSeconds(20));
        await cluster.StopLoadAsync();
        output.WriteLine(await cluster.AssertNothingLostAsync());
    }
}
