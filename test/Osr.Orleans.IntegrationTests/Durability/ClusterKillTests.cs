using Microsoft.Extensions.Configuration;
using MQTTnet;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Durability;

/// <summary>
/// Cluster mode with real processes: two silos on one PostgreSQL (scripts 0010–0013); the silo
/// that hosted a device's registration is killed with SIGKILL, and the device authenticates with
/// its old secret on the survivor, where its state is reactivated from PostgreSQL.
/// </summary>
public sealed class ClusterKillTests
{
    [Fact]
    public async Task ADeviceOfAKilledSiloAuthenticatesWithItsOldSecretOnTheSurvivor()
    {
        var connectionString = await OrleansPostgresSchema.CreateDatabaseAsync("osr_kill");
        var settings = new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "AdoNet",
            ["Osr:Storage:ConnectionString"] = connectionString,
            ["Osr:Cluster:Mode"] = "AdoNet",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        await using var first = new SiloProcess("a", settings);
        await using var second = new SiloProcess("b", settings);
        await first.StartAsync();
        await second.StartAsync();

        // Registered through the first silo's gateway only, so its activation lives there.
        string secret;
        await using (var cluster = await ConnectAsync(first.GatewayPort))
            secret = (await cluster.Grains.GetGrain<IDeviceGrain>("kill-w1").RegisterAsync("kill-u1", "watch")).Secret!;
        await using (var device = await DeviceClient.ConnectAsync(first.MqttPort, "kill-w1", secret))
            (await device.PublishAsync("osr/v1/devices/kill-w1/readings",
                $$"""{"seq":1,"ts":"{{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","hr":70}""")).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        await first.KillAsync();

        // Until the cluster has declared the first silo dead, calls to its activations fail and the
        // survivor closes the device's connection without acknowledging; the device reconnects and
        // redelivers, as a device must (docs/operations.md), until its grains are reactivated on the
        // survivor from PostgreSQL.
        var acknowledged = await Poll.ForAsync(() => TryPublishAsync(second.MqttPort, secret), ok => ok,
            "the device authenticates with its old secret on the surviving silo and its reading is acknowledged", TimeSpan.FromSeconds(90));
        acknowledged.Should().BeTrue(second.Output);
    }

    /// <summary>One attempt of a device: connect, publish, true when acknowledged; a refused or cut connection is a failed attempt.</summary>
    private static async Task<bool> TryPublishAsync(int mqttPort, string secret)
    {
        try
        {
            var (client, result) = await DeviceClient.TryConnectAsync(mqttPort, "kill-w1", secret);
            await using (client)
            {
                if (result.ResultCode != MqttClientConnectResultCode.Success) return false;
                var ack = await client.PublishAsync("osr/v1/devices/kill-w1/readings",
                    $$"""{"seq":2,"ts":"{{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","hr":72}""");
                return ack.ReasonCode == MqttClientPublishReasonCode.Success;
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return false;
        }
    }

    private static Task<IClusterConnection> ConnectAsync(int gatewayPort) => AdminConnection.ConnectAsync(gatewayPort);
}
