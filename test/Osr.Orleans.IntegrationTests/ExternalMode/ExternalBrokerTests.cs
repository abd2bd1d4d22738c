using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.IntegrationTests.ExternalMode;

/// <summary>
/// External mode end to end: a real Mosquitto configured from deploy/mosquitto by scripts/broker.sh, a real silo
/// consuming its shared subscriptions, devices as real MQTT clients of the broker (docs/contract.md "External broker").
/// </summary>
public sealed class ExternalBrokerTests : IAsyncLifetime
{
    private const string SiloName = "ext-test";
    private MosquittoBroker _broker = null!;
    private InProcessSilo _silo = null!;
    private string _data = null!;

    private IGrainFactory Grains => _silo.Grains;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        _data = TempDirectory.Create("osr-ext-data");
        _silo = await StartSiloAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private async Task<InProcessSilo> StartSiloAsync()
    {
        var settings = _broker.SiloSettings(SiloName);
        settings["Osr:Data:Path"] = _data;
        var silo = await InProcessSilo.StartAsync(settings);
        var external = silo.Services.GetRequiredService<global::Osr.Orleans.Silo.Ingress.ExternalBroker>();
        await Poll.UntilAsync(() => external.ConnectedBrokers == 1, "the silo connects to the broker");
        silo.Services.GetRequiredService<IDeviceChannel>().NotReadyReason.Should().BeNull();
        return silo;
    }

    private async Task<string> RegisterAsync(string deviceId, string userId)
    {
        var result = await Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, "watch");
        result.Ok.Should().BeTrue(result.Error);
        return result.Secret!;
    }

    private Task<UserSnapshot> SnapshotAsync(string userId) => Grains.GetGrain<IUserStateGrain>(userId).GetSnapshotAsync().AsTask();

    private static string ReadingsTopic(string deviceId) => $"osr/v1/devices/{deviceId}/readings";

    [Fact]
    public async Task ARegisteredDeviceConnectsWithItsSecretAndItsReadingsAreApplied()
    {
        var secret = await RegisterAsync("x-d1", "x-u1");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d1", secret);
        var now = DateTimeOffset.UtcNow;

        (await device.PublishAsync(ReadingsTopic("x-d1"), Readings.Json(1, now.AddSeconds(-1), 70))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await device.PublishAsync(ReadingsTopic("x-d1"), $"[{Readings.Json(2, now, 71)},{Readings.Json(3, now, 72)}]"))
            .ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        var snapshot = await Poll.ForAsync(() => SnapshotAsync("x-u1"), s => s.ReadingsApplied == 3, "the three readings are applied");
        snapshot.LastReadings.Should().Contain(r => r.Seq == 3 && r.Hr == 72);
    }

    [Fact]
    public async Task AWrongSecretAndAClientIdOtherThanTheUsernameAreRefusedByTheBroker()
    {
        var secret = await RegisterAsync("x-d2", "x-u2");

        var (wrong, refused) = await DeviceClient.TryConnectAsync(_broker.Port, "x-d2", "not-the-secret");
        await using (wrong) refused.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success);
        var (other, otherId) = await DeviceClient.TryConnectAsync(_broker.Port, "x-d2", secret, clientId: "someone-else");
        await using (other) otherId.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success);
    }

    [Fact]
    public async Task AnotherDevicesTopicsAreRefusedByTheAcl()
    {
        var secret = await RegisterAsync("x-d3", "x-u3");
        await RegisterAsync("x-d4", "x-u4");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d3", secret);

        (await device.SubscribeAsync("osr/v1/devices/x-d4/errors")).Should().Be(MqttClientSubscribeResultCode.NotAuthorized);
        (await device.SubscribeAsync("osr/v1/users/x-u4/notifications")).Should().Be(MqttClientSubscribeResultCode.NotAuthorized);
        (await device.SubscribeAsync("osr/v1/users/x-u3/notifications")).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);
        (await device.PublishAsync(ReadingsTopic("x-d4"), Readings.Json(1, DateTimeOffset.UtcNow, 70)))
            .ReasonCode.Should().Be(MqttClientPublishReasonCode.NotAuthorized);
        (await device.PublishAsync(ReadingsTopic("x-d3"), Readings.Json(1, DateTimeOffset.UtcNow, 70)))
            .ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        await Poll.ForAsync(() => SnapshotAsync("x-u3"), s => s.ReadingsApplied == 1, "x-d3's own reading is applied");
        (await SnapshotAsync("x-u4")).ReadingsApplied.Should().Be(0);
    }

    [Fact]
    public async Task ARejectionIsPublishedOnTheDevicesErrorsTopicAndANotificationReachesTheOwnersDevices()
    {
        var secret = await RegisterAsync("x-d5", "x-u5");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d5", secret);
        (await device.SubscribeAsync("osr/v1/devices/x-d5/errors")).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);
        (await device.SubscribeAsync("osr/v1/users/x-u5/notifications")).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);

        await device.PublishAsync(ReadingsTopic("x-d5"), "{not json");
        var (topic, payload) = await device.NextAsync();
        topic.Should().Be("osr/v1/devices/x-d5/errors");
        JsonDocument.Parse(payload).RootElement.GetProperty("reason").GetString().Should().NotBeNullOrEmpty();

        // What push delivery hands the device channel (any silo may publish: the broker reaches every device).
        await _silo.Services.GetRequiredService<IDeviceChannel>().PublishAsync("osr/v1/users/x-u5/notifications", """{"notificationId":"n-1"}"""u8.ToArray(),
            MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        (await device.NextAsync()).Topic.Should().Be("osr/v1/users/x-u5/notifications");
    }

    [Fact]
    public async Task AnEventWithItsEventIdSentTwiceIsStoredOnce()
    {
        var secret = await RegisterAsync("x-d6", "x-u6");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d6", secret);
        var payload = $$"""{"type":"interaction","itemId":"prog-17","action":"view","ts":"{{DateTimeOffset.UtcNow.AddSeconds(-1):O}}","eventId":"x-d6:1"}""";

        await device.PublishAsync("osr/v1/devices/x-d6/events", payload);
        await device.PublishAsync("osr/v1/devices/x-d6/events", payload);
        await device.PublishAsync(ReadingsTopic("x-d6"), Readings.Json(1, DateTimeOffset.UtcNow, 70)); // after both events, in order

        await Poll.ForAsync(() => SnapshotAsync("x-u6"), s => s.ReadingsApplied == 1, "the message after the events is applied");
        (await _silo.Services.GetRequiredService<IEventStore>().ReadUserInteractionsAsync("x-u6", 10)).Should().ContainSingle();
    }

    [Fact]
    public async Task RevokingADeviceDisconnectsItAtOnceAndRotatingChangesItsPassword()
    {
        var secret = await RegisterAsync("x-d7", "x-u7");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d7", secret);

        var rotated = await Grains.GetGrain<IDeviceGrain>("x-d7").RotateAsync();
        rotated.Ok.Should().BeTrue(rotated.Error);
        await Poll.UntilAsync(() => !device.IsConnected, "rotating closes the live session");
        var (old, oldResult) = await DeviceClient.TryConnectAsync(_broker.Port, "x-d7", secret);
        await using (old) oldResult.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success);
        await using var again = await DeviceClient.ConnectAsync(_broker.Port, "x-d7", rotated.Secret!);

        (await Grains.GetGrain<IDeviceGrain>("x-d7").RevokeAsync()).Should().BeTrue();

        await Poll.UntilAsync(() => !again.IsConnected, "revoking closes the live session");
        var (revoked, result) = await DeviceClient.TryConnectAsync(_broker.Port, "x-d7", rotated.Secret!);
        await using (revoked) result.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success);
    }

    [Fact]
    public async Task ReadingsPublishedWhileTheSiloIsDownAreDeliveredToItAfterItsRestart()
    {
        var secret = await RegisterAsync("x-d8", "x-u8");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d8", secret);
        await device.PublishAsync(ReadingsTopic("x-d8"), Readings.Json(1, DateTimeOffset.UtcNow, 70));
        await Poll.ForAsync(() => SnapshotAsync("x-u8"), s => s.ReadingsApplied == 1, "the first reading is applied");

        await _silo.DisposeAsync();
        // The broker accepts these (its PUBACK) and keeps them in the silo's persistent session.
        for (var seq = 2; seq <= 4; seq++)
            (await device.PublishAsync(ReadingsTopic("x-d8"), Readings.Json(seq, DateTimeOffset.UtcNow, 70 + seq)))
                .ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        _silo = await StartSiloAsync();

        await Poll.ForAsync(() => SnapshotAsync("x-u8"), s => s.ReadingsApplied == 4, "what the broker held for the silo's session arrives after its restart");
    }

    [Fact]
    public async Task MessagesOfADeviceArrivingOutOfSeqOrderAreEachAppliedOnce()
    {
        // What two silos sharing the subscription can do to a device's messages: seq 3 reaches the grain before seq 2,
        // and a redelivery repeats both.
        var secret = await RegisterAsync("x-d9", "x-u9");
        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d9", secret);
        var t = DateTimeOffset.UtcNow.AddSeconds(-4);

        foreach (var seq in new[] { 1, 3, 2, 2, 3 })
            (await device.PublishAsync(ReadingsTopic("x-d9"), Readings.Json(seq, t.AddSeconds(seq), 70 + seq)))
                .ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await device.PublishAsync(ReadingsTopic("x-d9"), Readings.Json(4, t.AddSeconds(4), 74))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        var snapshot = await Poll.ForAsync(() => SnapshotAsync("x-u9"), s => s.ReadingsApplied >= 4, "the last reading is applied");
        snapshot.ReadingsApplied.Should().Be(4, "seq 2 arrived after seq 3 and is applied; the repeats are duplicates");
        snapshot.LastReadings.Select(r => r.Seq).Should().BeEquivalentTo([1L, 2L, 3L, 4L]);
        (await Grains.GetGrain<IUserStateGrain>("x-u9").GetLastSeqAsync("x-d9")).Should().Be(4);
    }

    [Fact]
    public async Task ADeviceErasedAndRegisteredToAnotherUserReachesItsNewOwnerThoughTheSiloCachedTheOldOne()
    {
        var first = await RegisterAsync("x-d10", "x-u10");
        var t = DateTimeOffset.UtcNow.AddSeconds(-10);
        await using (var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d10", first))
        {
            (await device.PublishAsync(ReadingsTopic("x-d10"), Readings.Json(1, t, 70))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
            await Poll.ForAsync(() => SnapshotAsync("x-u10"), s => s.ReadingsApplied == 1, "the silo learnt the owner and applied the reading");
        }

        (await Grains.GetGrain<IDeviceGrain>("x-d10").ForgetAsync("x-u10")).Should().BeTrue();
        var second = await RegisterAsync("x-d10", "x-u11");
        await using (var device = await DeviceClient.ConnectAsync(_broker.Port, "x-d10", second))
        {
            (await device.PublishAsync(ReadingsTopic("x-d10"), Readings.Json(1, t.AddSeconds(5), 80))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
            await Poll.ForAsync(() => SnapshotAsync("x-u11"), s => s.ReadingsApplied == 1, "the stale route is asked again and the reading reaches the new owner");
        }
        (await SnapshotAsync("x-u10")).ReadingsApplied.Should().Be(1, "nothing of the device's new life reaches its old owner");
    }
}
