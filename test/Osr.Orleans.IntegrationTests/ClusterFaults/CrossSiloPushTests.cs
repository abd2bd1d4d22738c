using Osr.Orleans.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// Each device is connected to one silo's embedded broker, and its user's decision is made on whichever silo holds the
/// user's grains: with three silos and the devices spread over them, most notifications are decided on a silo other than
/// the one the device is connected to. Every notification the decision log says was sent reaches the user's device.
/// </summary>
public sealed class CrossSiloPushTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryNotificationReachesTheDeviceWhicheverSiloItIsConnectedTo()
    {
        var postgres = await PostgresServer.Shared;
        await using var cluster = await FaultCluster.StartAsync(postgres, silos: 3, users: 60, prefix: "relay");
        cluster.Devices.Select(d => d.Broker).Distinct().Should().HaveCount(3, "the devices are spread over the three brokers");
        cluster.StartLoad(600);
        await Poll.UntilAsync(async () => await cluster.SentDecisionsAsync() >= 60, "60 notifications are sent", TimeSpan.FromSeconds(90));
        await cluster.StopLoadAsync();

        var sent = await cluster.SentNotificationIdsAsync();
        await Poll.ForAsync(() => Task.FromResult(sent.Count(id => !cluster.Listener.HasReceived(id))), missing => missing == 0,
            $"every one of the {sent.Count} sent notifications reaches a device (last: how many not yet)", TimeSpan.FromSeconds(20));
        cluster.Listener.Duplicates.Should().Be(0, "each notification reaches its device once");
        output.WriteLine($"{sent.Count} notifications sent, {cluster.Listener.Received} received");
    }
}
