using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// The message path's defences on a real silo with real MQTT clients: per-connection flood control, the MQTT 3.1.1
/// quota hold and the event clock's bound on a reading's ts (docs/contract.md "Security").
/// </summary>
public sealed class MessagePathDefenceTests
{
    private const int Garbage = 64 * 1024;
    private const double BytesPerSecond = 128 * 1024;

    private static string ReadingsTopic(string deviceId) => $"osr/v1/devices/{deviceId}/readings";
    private static string ErrorsTopic(string deviceId) => $"osr/v1/devices/{deviceId}/errors";

    private static async Task<(InProcessSilo Silo, int Port)> StartAsync(Dictionary<string, string?> settings)
    {
        var port = FreePort.Next();
        settings["Osr:Storage:Mode"] = "Memory";
        settings["Osr:Mqtt:Port"] = port.ToString();
        return (await InProcessSilo.StartAsync(settings), port);
    }

    private static Dictionary<string, string?> FloodSettings() => new()
    {
        ["Osr:Mqtt:Flood:BytesPerSecond"] = BytesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Osr:Mqtt:Flood:ByteBurst"] = Garbage.ToString(),
        ["Osr:Mqtt:Flood:ErrorsPerSecond"] = "1",
        ["Osr:Mqtt:Flood:ErrorBurst"] = "2",
    };

    private static async Task<string> RegisterAsync(InProcessSilo silo, string deviceId, string userId)
    {
        var result = await silo.Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, "watch");
        result.Ok.Should().BeTrue(result.Error);
        return result.Secret!;
    }

    [Fact]
    public async Task GarbageFloodIsPacedToTheByteLimitItsErrorRepliesAreCappedAndAPoliteDeviceIsServed()
    {
        var (silo, port) = await StartAsync(FloodSettings());
        await using var _ = silo;
        var flooderSecret = await RegisterAsync(silo, "fl-bad", "fl-ubad");
        var politeSecret = await RegisterAsync(silo, "fl-good", "fl-ugood");
        await using var flooder = await DeviceClient.ConnectAsync(port, "fl-bad", flooderSecret);
        await using var polite = await DeviceClient.ConnectAsync(port, "fl-good", politeSecret);
        (await flooder.SubscribeAsync(ErrorsTopic("fl-bad"))).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);
        var garbage = new byte[Garbage];
        Array.Fill(garbage, (byte)'x');
        const int messages = 6;

        var clock = Stopwatch.StartNew();
        var flood = Task.WhenAll(Enumerable.Range(0, messages).Select(_ => flooder.PublishAsync(ReadingsTopic("fl-bad"), garbage)));
        var politeAck = await polite.PublishAsync(ReadingsTopic("fl-good"), Readings.Json(1, DateTimeOffset.UtcNow, 70));
        var acks = await flood;
        clock.Stop();

        politeAck.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        acks.Should().OnlyContain(a => a.ReasonCode == MqttClientPublishReasonCode.PayloadFormatInvalid, "every garbage message is still answered");
        // The first message fits the byte burst; each further one waits for 64 KiB at 128 KiB/s.
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds((messages - 1) * Garbage / BytesPerSecond * 0.95));
        var counters = silo.Services.GetRequiredService<IngestCounters>();
        counters.Total(CounterNames.MessagesHeld).Should().BeGreaterThanOrEqualTo(messages - 1);
        // Error replies: a burst of 2, then 1 per second; the rest are counted only.
        var suppressed = counters.Total(CounterNames.ErrorsSuppressed);
        suppressed.Should().BePositive();
        var published = messages - suppressed;
        published.Should().BeLessThanOrEqualTo(2 + (long)Math.Ceiling(clock.Elapsed.TotalSeconds));
        for (var i = 0; i < published; i++)
            JsonDocument.Parse((await flooder.NextAsync()).Payload).RootElement.GetProperty("reason").GetString().Should().Be("malformed-json");
        (await silo.Grains.GetGrain<IUserStateGrain>("fl-ugood").GetSnapshotAsync()).ReadingsApplied.Should().Be(1);
    }

    [Fact]
    public async Task MosquittoPubFloodingGarbageIsHeldToTheLimits()
    {
        var (silo, port) = await StartAsync(FloodSettings());
        await using var _ = silo;
        var secret = await RegisterAsync(silo, "fl-mosq", "fl-umosq");
        using var dir = new TempFile(new string('{', Garbage));
        const int messages = 5;

        var clock = Stopwatch.StartNew();
        var (exit, output) = await Cli.RunAsync(TimeSpan.FromSeconds(30), "mosquitto_pub", "-h", "127.0.0.1", "-p", port.ToString(), "-V", "mqttv311", "-q", "1",
            "-i", "fl-mosq", "-u", "fl-mosq", "-P", secret, "-t", ReadingsTopic("fl-mosq"), "-f", dir.Path, "--repeat", messages.ToString());
        clock.Stop();

        exit.Should().Be(0, output);
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds((messages - 1) * Garbage / BytesPerSecond * 0.95));
        var counters = silo.Services.GetRequiredService<IngestCounters>();
        counters.Total(CounterNames.Rejected(Models.Readings.RejectReason.MalformedJson)).Should().Be(messages);
        // mosquitto_pub sends the next message only after the previous one's PUBACK, so on a busy machine a gap can
        // refill part of the bucket and a message may pass unheld; the elapsed time above is the limit itself.
        counters.Total(CounterNames.MessagesHeld).Should().BePositive();
    }

    [Fact]
    public async Task Mqtt311ClientOverItsQuotaIsHeldNotAcknowledgedAndLosesNoReading()
    {
        var (silo, port) = await StartAsync(new()
        {
            ["Osr:Ingest:MaxReadingsPerSecond"] = "40",
            ["Osr:Ingest:Burst"] = "20",
        });
        await using var _ = silo;
        var secret = await RegisterAsync(silo, "q311", "q311-u");
        await using var device = await DeviceClient.ConnectAsync(port, "q311", secret, MqttProtocolVersion.V311);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        const int batches = 6, perBatch = 10;

        for (var b = 0; b < batches; b++)
        {
            var batch = string.Join(",", Enumerable.Range(0, perBatch).Select(i =>
            {
                var seq = b * perBatch + i + 1;
                return Readings.Json(seq, start.AddSeconds(seq), 60 + i % 3);
            }));
            (await device.PublishAsync(ReadingsTopic("q311"), $"[{batch}]")).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        }

        device.IsConnected.Should().BeTrue();
        (await silo.Grains.GetGrain<IUserStateGrain>("q311-u").GetSnapshotAsync()).ReadingsApplied.Should().Be(batches * perBatch,
            "every positive PUBACK means the readings were applied");
        var counters = silo.Services.GetRequiredService<IngestCounters>();
        counters.Total(CounterNames.MessagesHeld).Should().BePositive("60 readings exceed the burst of 20");
        counters.Total(CounterNames.Rejected(RejectReason.QuotaExceeded)).Should().Be(0, "a held message that was applied was not rejected");
    }

    [Fact]
    public async Task Mqtt5ClientOverItsQuotaStillGetsTheNegativeAck()
    {
        var (silo, port) = await StartAsync(new() { ["Osr:Ingest:MaxReadingsPerSecond"] = "1", ["Osr:Ingest:Burst"] = "5" });
        await using var _ = silo;
        var secret = await RegisterAsync(silo, "q5", "q5-u");
        await using var device = await DeviceClient.ConnectAsync(port, "q5", secret);
        var now = DateTimeOffset.UtcNow;

        var batch = string.Join(",", Enumerable.Range(1, 5).Select(i => Readings.Json(i, now.AddSeconds(-10 + i), 60)));
        (await device.PublishAsync(ReadingsTopic("q5"), $"[{batch}]")).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await device.PublishAsync(ReadingsTopic("q5"), Readings.Json(6, now, 60))).ReasonCode.Should().Be(MqttClientPublishReasonCode.QuotaExceeded);
        silo.Services.GetRequiredService<IngestCounters>().Total(CounterNames.Rejected(RejectReason.QuotaExceeded)).Should().Be(1);
    }

    [Fact]
    public async Task UnderTheEventClockAFarFutureReadingIsRefusedAndTheUserKeepsGoing()
    {
        var (silo, port) = await StartAsync(new() { ["Osr:Clock"] = "Event", ["Osr:Clock:MaxEventLead"] = "1.00:00:00" });
        await using var _ = silo;
        var secret = await RegisterAsync(silo, "ev-d", "ev-u");
        await using var device = await DeviceClient.ConnectAsync(port, "ev-d", secret);
        (await device.SubscribeAsync(ErrorsTopic("ev-d"))).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);
        var t = new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero); // a replay of the past

        (await device.PublishAsync(ReadingsTopic("ev-d"), Readings.Json(1, t, 60))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        var refused = await device.PublishAsync(ReadingsTopic("ev-d"), Readings.Json(2, new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero), 60));
        var error = await device.NextAsync();
        (await device.PublishAsync(ReadingsTopic("ev-d"), Readings.Json(3, t.AddSeconds(1), 61))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        refused.ReasonCode.Should().Be(MqttClientPublishReasonCode.ImplementationSpecificError);
        var json = JsonDocument.Parse(error.Payload).RootElement;
        json.GetProperty("reason").GetString().Should().Be("ts-jump");
        json.GetProperty("detail").GetString().Should().Contain("Osr:Clock:MaxEventLead");
        var snapshot = await silo.Grains.GetGrain<IUserStateGrain>("ev-u").GetSnapshotAsync();
        snapshot.ReadingsApplied.Should().Be(2);
        snapshot.LastReadingAt.Should().Be(t.AddSeconds(1), "the user's event clock did not jump to 9999");
    }

    private sealed class TempFile : IDisposable
    {
        public TempFile(string content)
        {
            Path = System.IO.Path.Combine(TempDirectory.Create("osr-flood"), "payload");
            File.WriteAllText(Path, content, new UTF8Encoding(false));
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
