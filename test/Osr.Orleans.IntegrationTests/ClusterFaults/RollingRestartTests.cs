using System.Globalization;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// A deploy: the three silos restarted one at a time (SIGTERM, graceful shutdown, start again on the same ports) under
/// 2,000 readings/s with decisions on. Within 15 s of each SIGTERM every device applies readings again (those of the
/// stopped silo on another one, counted only after the old process exited), the restarted silo accepts connections again, and at the
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
            var exitedAt = cluster.Time.GetTimestamp();

            // Polled while the silo starts again (on two cores that takes 5-30 s under this load): its devices fail over to
            // the others meanwhile, and only acknowledgements after the old process exited count.
            var recovering = cluster.WaitUntilEveryDeviceAppliesAsync(exitedAt, $"every device applies readings after {silo.Name} stopped",
                TimeSpan.FromSeconds(60));
            try
            {
                await silo.StartAsync(TimeSpan.FromSeconds(90));
            }
            finally
            {
                await recovering.ContinueWith(_ => { }, TaskScheduler.Default); // not left polling a cluster being disposed
            }
            var restarted = cluster.Time.GetElapsedTime(stoppedAt);
            var recovered = cluster.Time.GetElapsedTime(stoppedAt, exitedAt) + await recovering;
            output.WriteLine($"{silo.Name}: exited {cluster.Time.GetElapsedTime(stoppedAt, exitedAt).TotalSeconds:0.00} s after SIGTERM, " +
                $"accepting connections again after {restarted.TotalSeconds:0.00} s; every device applying again {recovered.TotalSeconds:0.00} s after SIGTERM");
            recovered.Should().BeLessThanOrEqualTo(Recovery, cluster.Logs);
        }

        await cluster.WaitUntilEveryDeviceAppliesAsync(cluster.Time.GetTimestamp(), "every device applies readings after the deploy", TimeSpan.FromSeconds(20));
        await cluster.StopLoadAsync();
        output.WriteLine(await cluster.AssertNothingLostAsync());
    }
}
