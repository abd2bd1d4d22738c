using Osr.Orleans.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// <c>kill -9</c> of one of three silo processes under 2,000 readings/s with decisions on (docs/operations.md, "Devices
/// and silo failure"): every acknowledged feedback event is in the store, no notification reaches a device twice, no
/// user gets more than <c>cap.day</c> pushes, and every device is back and applying readings on a survivor within 15 s.
/// </summary>
public sealed class SiloKillTests(ITestOutputHelper output)
{
    private const double Rate = 2_000;
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task KillingOneOfThreeSilosUnderLoadLosesNothingAcknowledgedAndRecoversWithin15Seconds()
    {
        var postgres = await PostgresServer.Shared;
        await using var cluster = await FaultCluster.StartAsync(postgres, silos: 3, users: 120, prefix: "kill9");
        cluster.StartLoad(Rate);

        // Warm: every device applied readings and the first pushes were answered.
        var warm = cluster.Time.GetTimestamp();
        await cluster.WaitUntilEveryDeviceAppliesAsync(warm, "every device applies readings before the failure", TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => cluster.Responder.Acknowledged.Count > 0, "feedback flows before the failure", TimeSpan.FromSeconds(30));

        var victim = cluster.Silos[1];
        var killedAt = cluster.Time.GetTimestamp();
        await victim.KillAsync();

        var recovered = await cluster.WaitUntilEveryDeviceAppliesAsync(killedAt,
            "every device has a reading acknowledged after the kill", TimeSpan.FromSeconds(60));
        cluster.Devices.Where(d => d.IsConnected).Should().OnlyContain(d => d.Broker != 1, "no device is on the dead silo's broker");

        // Load goes on after recovery, then stops and drains.
        var after = cluster.Time.GetTimestamp();
        await cluster.WaitUntilEveryDeviceAppliesAsync(after, "every device keeps applying readings on a survivor", TimeSpan.FromSeconds(20));
        await cluster.StopLoadAsync();

        recovered.Should().BeLessThanOrEqualTo(Recovery, $"time to recovery was {recovered.TotalSeconds:0.0} s\n{cluster.Logs}");
        cluster.Stats.Failovers.Should().BeGreaterThan(0);
        output.WriteLine($"recovery {recovered.TotalSeconds:0.00} s after kill -9; {await cluster.AssertNothingLostAsync()}");
    }
}
