using MQTTnet;
using MQTTnet.Formatter;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Ingress;
using Microsoft.Extensions.DependencyInjection;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// The broker's front door against hostile peers on real sockets (docs/operations.md "Security"): oversized
/// packets, slow or silent connections, connection floods and password guessing.
/// </summary>
public sealed class FrontDoorTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);

    private static async Task<(InProcessSilo Silo, int Port)> StartAsync(params (string Key, string Value)[] settings)
    {
        var port = FreePort.Next();
        var all = new Dictionary<string, string?> { ["Osr:Mqtt:Port"] = port.ToString() };
        foreach (var (key, value) in settings) all[key] = value;
        return (await InProcessSilo.StartAsync(all), port);
    }

    [Fact]
    public async Task APacketAnnouncingMoreThanTheLimitIsRefusedBeforeItsBodyIsSent()
    {
        var (silo, port) = await StartAsync(("Osr:Mqtt:MaxPayloadBytes", "1024"), ("Osr:Mqtt:ConnectTimeout", "00:01:00"));
        await using var _ = silo;
        using var hostile = await HostilePeer.ConnectAsync(port);
        using var patient = await HostilePeer.ConnectAsync(port);

        // 256 MiB announced, nothing of the body sent: without the guard the broker would wait for it (a minute here).
        await hostile.SendAsync(HostilePeer.Header(268_435_455));
        // Within the limit (1024 + 1 KiB): the broker waits for the body.
        await patient.SendAsync(HostilePeer.Header(2000));

        (await hostile.IsClosedByServerAsync(Quick)).Should().BeTrue();
        (await patient.IsClosedByServerAsync(TimeSpan.FromMilliseconds(500))).Should().BeFalse();
        var secret = (await silo.Grains.GetGrain<IDeviceGrain>("door-d1").RegisterAsync("door-u1", "watch")).Secret!;
        await using var device = await DeviceClient.ConnectAsync(port, "door-d1", secret);
        (await device.PublishAsync("osr/v1/devices/door-d1/readings", Readings.Json(1, DateTimeOffset.UtcNow, 70)))
            .ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
    }

    [Fact]
    public async Task ADeviceSendingAnOversizedPacketAfterItsConnectIsDisconnected()
    {
        var (silo, port) = await StartAsync(("Osr:Mqtt:MaxPayloadBytes", "1024"));
        await using var _ = silo;
        var secret = (await silo.Grains.GetGrain<IDeviceGrain>("door-d2").RegisterAsync("door-u2", "watch")).Secret!;
        await using var device = await DeviceClient.ConnectAsync(port, "door-d2", secret);

        var act = async () => await device.PublishAsync("osr/v1/devices/door-d2/readings", new byte[4096]);

        await act.Should().ThrowAsync<Exception>();
        await Poll.UntilAsync(() => silo.Services.GetRequiredService<MqttIngress>().ConnectedDevices == 0, "the device's session ends");
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x10 })] // a CONNECT header that never completes
    [InlineData(new byte[] { 0x10, 0x20, 0x00 })] // a body that never completes
    public async Task AConnectionWithoutACompleteConnectInTimeIsClosed(byte[] sent)
    {
        var (silo, port) = await StartAsync(("Osr:Mqtt:ConnectTimeout", "00:00:01"));
        await using var _ = silo;
        using var slow = await HostilePeer.ConnectAsync(port);
        await slow.SendAsync(sent);

        (await slow.IsClosedByServerAsync(Quick)).Should().BeTrue();
        await Poll.UntilAsync(() => silo.Services.GetRequiredService<MqttIngress>().OpenConnections == 0, "the slot is released");
    }

    [Fact]
    public async Task AFirstPacketOtherThanConnectIsRefused()
    {
        var (silo, port) = await StartAsync(("Osr:Mqtt:ConnectTimeout", "00:01:00"));
        await using var _ = silo;
        using var peer = await HostilePeer.ConnectAsync(port);

        await peer.SendAsync(HostilePeer.Header(10, type: 0x30)); // a PUBLISH before any CONNECT

        (await peer.IsClosedByServerAsync(Quick)).Should().BeTrue();
    }

    [Fact]
    public async Task ConnectionsBeyondTheCapAreClosedAtOnceAndASlotFreesWhenOneCloses()
    {
        var (silo, port) = await StartAsync(("Osr:Mqtt:MaxConnections", "3"), ("Osr:Mqtt:ConnectTimeout", "00:01:00"));
        await using var _ = silo;
        var ingress = silo.Services.GetRequiredService<MqttIngress>();
        var held = new List<HostilePeer>();
        for (var i = 0; i < 3; i++) held.Add(await HostilePeer.ConnectAsync(port));
        await Poll.UntilAsync(() => ingress.OpenConnections == 3, "three connections admitted");

        using (var fourth = await HostilePeer.ConnectAsync(port))
            (await fourth.IsClosedByServerAsync(Quick)).Should().BeTrue();
        held[0].Dispose();
        await Poll.UntilAsync(() => ingress.OpenConnections == 2, "the closed connection's slot is released");
        using var again = await HostilePeer.ConnectAsync(port);

        (await again.IsClosedByServerAsync(TimeSpan.FromMilliseconds(500))).Should().BeFalse();
        foreach (var peer in held) peer.Dispose();
    }

    [Fact]
    public async Task AnAddressOpeningConnectionsFasterThanItsRateIsRefused()
    {
        var (silo, port) = await StartAsync(("Osr:Mqtt:ConnectRatePerAddress", "0.001"), ("Osr:Mqtt:ConnectBurstPerAddress", "2"),
            ("Osr:Mqtt:ConnectTimeout", "00:01:00"));
        await using var _ = silo;
        using var first = await HostilePeer.ConnectAsync(port);
        using var second = await HostilePeer.ConnectAsync(port);
        using var third = await HostilePeer.ConnectAsync(port);

        (await third.IsClosedByServerAsync(Quick)).Should().BeTrue();
        (await first.IsClosedByServerAsync(TimeSpan.FromMilliseconds(300))).Should().BeFalse();
    }

    [Fact]
    public async Task AfterFiveFailedLoginsEvenTheRightSecretIsRefusedForAWhile()
    {
        var (silo, port) = await StartAsync();
        await using var _ = silo;
        var secret = (await silo.Grains.GetGrain<IDeviceGrain>("door-d3").RegisterAsync("door-u3", "watch")).Secret!;
        for (var i = 0; i < 5; i++)
        {
            var (wrong, failed) = await DeviceClient.TryConnectAsync(port, "door-d3", "not-the-secret");
            await wrong.DisposeAsync();
            failed.ResultCode.Should().Be(MqttClientConnectResultCode.BadUserNameOrPassword);
        }

        var (client, result) = await DeviceClient.TryConnectAsync(port, "door-d3", secret);
        await using var __ = client;

        result.ResultCode.Should().Be(MqttClientConnectResultCode.ConnectionRateExceeded);
        result.ReasonString.Should().Contain("too many failed logins");
        // Another device from the same address is not affected (below the per-address threshold).
        var other = (await silo.Grains.GetGrain<IDeviceGrain>("door-d4").RegisterAsync("door-u4", "watch")).Secret!;
        await using var fine = await DeviceClient.ConnectAsync(port, "door-d4", other, MqttProtocolVersion.V311);
    }
}
