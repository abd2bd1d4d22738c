using MQTTnet;
using MQTTnet.Formatter;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// docs/contract.md "MQTT sessions": the client id of a device connection must equal its
/// username, so a device with valid credentials of its own cannot take over, or kick off,
/// another device's session by naming that session's client id.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class SessionBindingTests(SiloFixture silo)
{
    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task ClientIdOtherThanTheUsernameIsRefusedEvenWithTheRightSecret(MqttProtocolVersion version)
    {
        var id = $"sb-own-{(int)version}";
        var secret = await silo.RegisterAsync(id, $"sb-u-{(int)version}");

        var (client, result) = await DeviceClient.TryConnectAsync(silo.MqttPort, id, secret, version, clientId: id + "-other");
        await using var _ = client;

        result.ResultCode.Should().Be(MqttClientConnectResultCode.ClientIdentifierNotValid);
        client.IsConnected.Should().BeFalse();
    }

    [Fact]
    public async Task AnotherDeviceCannotTakeOverAConnectedSession()
    {
        var victimSecret = await silo.RegisterAsync("sb-victim", "sb-victim-user");
        var attackerSecret = await silo.RegisterAsync("sb-attacker", "sb-attacker-user");
        await using var victim = await DeviceClient.ConnectAsync(silo.MqttPort, "sb-victim", victimSecret);
        (await victim.SubscribeAsync("osr/v1/users/sb-victim-user/notifications")).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);

        // The attacker logs in with its own valid credentials and the victim's client id, both
        // with a persistent session (which would inherit the victim's) and with a clean one.
        foreach (var clean in new[] { false, true })
        {
            var attacker = new MqttClientFactory().CreateMqttClient();
            var result = await attacker.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", silo.MqttPort)
                .WithClientId("sb-victim")
                .WithCredentials("sb-attacker", attackerSecret)
                .WithCleanStart(clean)
                .WithSessionExpiryInterval(clean ? 0u : 3600u)
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build());
            attacker.Dispose();
            result.ResultCode.Should().Be(MqttClientConnectResultCode.ClientIdentifierNotValid, $"clean start {clean}");
        }

        // The victim was never kicked off and still works; it received nothing foreign.
        victim.IsConnected.Should().BeTrue();
        var ack = await victim.PublishAsync("osr/v1/devices/sb-victim/readings", Readings.Json(1, DateTimeOffset.UtcNow, 70));
        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        victim.ReceivedCount.Should().Be(0);
        (await silo.Grains.GetGrain<IUserStateGrain>("sb-attacker-user").GetSnapshotAsync()).ReadingsApplied.Should().Be(0);
    }
}
