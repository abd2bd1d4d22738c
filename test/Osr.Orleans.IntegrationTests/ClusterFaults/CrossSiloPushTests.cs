using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// Each device is connected to one silo's embedded broker, and its user's decision is made on whichever silo holds the
/// user's grains: with three silos and the devices spread over them, most notifications are decided on a silo other than
/// the one the device is connected to. Every notification the decision log says was sent reaches the user's device, and
/// closing a device's sessions (revoke, rotate) reaches the silo it is connected to.
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

    [Fact]
    public async Task RevokingADeviceClosesItsSessionOnWhicheverSiloItIsConnectedTo()
    {
        var postgres = await PostgresServer.Shared;
        await using var cluster = await FaultCluster.StartAsync(postgres, silos: 3, users: 3, prefix: "revoke");
        var clients = new List<DeviceClient>();
        try
        {
            // One device per silo; each one's grain lives wherever Orleans placed it, mostly on another silo.
            for (var i = 0; i < 3; i++)
            {
                var secret = (await cluster.Grains.GetGrain<IDeviceGrain>($"revoke-x{i}").RegisterAsync($"revoke-xu{i}", "watch")).Secret!;
                clients.Add(await DeviceClient.ConnectAsync(cluster.Silos[i].MqttPort, $"revoke-x{i}", secret));
            }

            for (var i = 0; i < 3; i++) (await cluster.Grains.GetGrain<IDeviceGrain>($"revoke-x{i}").RevokeAsync()).Should().BeTrue();

            // RevokeAsync returns after every silo closed the sessions it held; the clients see the DISCONNECT right after.
            await Poll.UntilAsync(() => clients.All(c => !c.IsConnected), "every revoked device's session is closed", TimeSpan.FromSeconds(5));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }
}
