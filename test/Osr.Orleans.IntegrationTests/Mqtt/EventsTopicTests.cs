using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>Interaction and feedback events over real MQTT into the real event store.</summary>
[Collection(SiloCollection.Name)]
public sealed class EventsTopicTests(SiloFixture silo)
{
    private static string EventsTopic(string deviceId) => $"osr/v1/devices/{deviceId}/events";

    private IEventStore Store => silo.Services.GetRequiredService<IEventStore>();

    [Fact]
    public async Task InteractionEventIsStoredBeforeItIsAcknowledged()
    {
        var secret = await silo.RegisterAsync("ev-d1", "ev-u1");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "ev-d1", secret);
        var ts = DateTimeOffset.UtcNow.AddSeconds(-1);

        var ack = await device.PublishAsync(EventsTopic("ev-d1"),
            $$"""{"type":"interaction","itemId":"prog-17","action":"like","ts":"{{ts:O}}"}""");

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        var stored = await Store.ReadUserInteractionsAsync("ev-u1", 10);
        stored.Should().ContainSingle().Which.Should().Be(new InteractionRecord("ev-u1", "prog-17", InteractionAction.Like, ts.UtcTicks));
    }

    [Fact]
    public async Task AnInteractionSentAgainWithItsEventIdIsAcknowledgedAndStoredOnce()
    {
        var secret = await silo.RegisterAsync("ev-d5", "ev-u5");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "ev-d5", secret);
        var payload = $$"""{"type":"interaction","itemId":"prog-17","action":"view","ts":"{{DateTimeOffset.UtcNow.AddSeconds(-1):O}}","eventId":"ev-d5:1"}""";

        // The second copy is what a device sends after its first PUBACK was lost.
        (await device.PublishAsync(EventsTopic("ev-d5"), payload)).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await device.PublishAsync(EventsTopic("ev-d5"), payload)).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        (await Store.ReadUserInteractionsAsync("ev-u5", 10)).Should().ContainSingle();
    }

    [Theory]
    [InlineData("""{"type":"interaction","itemId":"x","action":"steal","ts":"{ts}"}""", "unknown-action")]
    [InlineData("""{"type":"interaction","itemId":"../etc","action":"view","ts":"{ts}"}""", "bad-id")]
    [InlineData("""{"type":"interaction","itemId":"x","action":"view"}""", "missing-ts")]
    [InlineData("not json", "malformed-json")]
    public async Task InvalidEventIsReportedAndNothingIsStored(string payload, string reason)
    {
        var id = "ev-bad-" + reason;
        var secret = await silo.RegisterAsync(id, "u-" + id);
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, id, secret);
        await device.SubscribeAsync($"osr/v1/devices/{id}/errors");

        var ack = await device.PublishAsync(EventsTopic(id), payload.Replace("{ts}", DateTimeOffset.UtcNow.ToString("O")));

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.PayloadFormatInvalid);
        JsonDocument.Parse((await device.NextAsync()).Payload).RootElement.GetProperty("reason").GetString().Should().Be(reason);
        (await Store.ReadUserInteractionsAsync("u-" + id, 10)).Should().BeEmpty();
    }

    [Fact]
    public async Task FeedbackForAnUnknownNotificationIsRefusedWithItsReason()
    {
        var secret = await silo.RegisterAsync("ev-fb", "ev-ufb");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "ev-fb", secret);
        await device.SubscribeAsync("osr/v1/devices/ev-fb/errors");

        var ack = await device.PublishAsync(EventsTopic("ev-fb"),
            $$"""{"type":"feedback","notificationId":"n-1","action":"opened","ts":"{{DateTimeOffset.UtcNow:O}}"}""");

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.ImplementationSpecificError);
        JsonDocument.Parse((await device.NextAsync()).Payload).RootElement.GetProperty("reason").GetString().Should().Be("unknown-notification");
    }
}
