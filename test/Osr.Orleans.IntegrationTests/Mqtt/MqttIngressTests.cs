using System.Diagnostics;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>The real silo and its embedded broker, driven by real MQTT clients over loopback.</summary>
[Collection(SiloCollection.Name)]
public sealed class MqttIngressTests(SiloFixture silo)
{
    private static string ReadingsTopic(string deviceId) => $"osr/v1/devices/{deviceId}/readings";
    private static string ErrorsTopic(string deviceId) => $"osr/v1/devices/{deviceId}/errors";

    private Task<UserSnapshot> SnapshotAsync(string userId) => silo.Grains.GetGrain<IUserStateGrain>(userId).GetSnapshotAsync().AsTask();

    [Fact]
    public async Task ReadingPublishedWithMqttNetBecomesVisibleInTheUsersState()
    {
        var secret = await silo.RegisterAsync("mq-d1", "mq-u1");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-d1", secret);
        var now = DateTimeOffset.UtcNow;

        var ack1 = await device.PublishAsync(ReadingsTopic("mq-d1"), Readings.Json(1, now.AddSeconds(-2), 71));
        var ack2 = await device.PublishAsync(ReadingsTopic("mq-d1"),
            $"[{Readings.Json(2, now.AddSeconds(-1), 72)},{Readings.Json(3, now, 73)}]");

        ack1.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        ack2.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        // The PUBACK follows the grain's apply, so the state is visible right away.
        var snapshot = await SnapshotAsync("mq-u1");
        snapshot.ReadingsApplied.Should().Be(3);
        snapshot.Estimate.Hr.Value.Should().BeInRange(65, 80);
        snapshot.Estimate.Hr.Std.Should().BePositive();
        snapshot.LastReadings.Should().HaveCount(3).And.Contain(r => r.Seq == 3 && r.Hr == 73);
    }

    [Fact]
    public async Task Mqtt311ClientIsServedToo()
    {
        var secret = await silo.RegisterAsync("mq-d311", "mq-u311");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-d311", secret, MqttProtocolVersion.V311);

        await device.PublishAsync(ReadingsTopic("mq-d311"), Readings.Json(1, DateTimeOffset.UtcNow, 80));

        (await SnapshotAsync("mq-u311")).ReadingsApplied.Should().Be(1);
    }

    [Fact]
    public async Task ReadingPublishedWithMosquittoPubIsApplied()
    {
        var secret = await silo.RegisterAsync("mq-mosq", "mq-umosq");
        var payload = Readings.Json(1, DateTimeOffset.UtcNow, 66);

        var (exit, output) = await Cli.RunAsync("mosquitto_pub",
            "-h", "127.0.0.1", "-p", silo.MqttPort.ToString(), "-V", "mqttv5", "-q", "1",
            "-i", "mq-mosq", "-u", "mq-mosq", "-P", secret,
            "-t", ReadingsTopic("mq-mosq"), "-m", payload);

        exit.Should().Be(0, output);
        (await SnapshotAsync("mq-umosq")).ReadingsApplied.Should().Be(1);
    }

    [Fact]
    public async Task MosquittoPubWithAWrongPasswordIsRefused()
    {
        await silo.RegisterAsync("mq-mosq2", "mq-umosq2");

        var (exit, output) = await Cli.RunAsync("mosquitto_pub",
            "-h", "127.0.0.1", "-p", silo.MqttPort.ToString(), "-q", "1", "-i", "mq-mosq2",
            "-u", "mq-mosq2", "-P", "not-the-secret", "-t", ReadingsTopic("mq-mosq2"), "-m", "{}");

        exit.Should().NotBe(0);
        output.Should().MatchRegex("(?i)(not authori[sz]ed|bad user ?name or password|refused)");
        (await SnapshotAsync("mq-umosq2")).ReadingsApplied.Should().Be(0);
    }

    [Theory]
    [InlineData("mq-d2", "wrong-secret")]
    [InlineData("no-such-device", "whatever")]
    [InlineData("mq-d2", "")]
    public async Task WrongCredentialsAreRefusedAtConnect(string user, string password)
    {
        await silo.RegisterAsync("mq-d2", "mq-u2");

        var (client, result) = await DeviceClient.TryConnectAsync(silo.MqttPort, user, password);
        await using var _ = client;

        result.ResultCode.Should().BeOneOf(MqttClientConnectResultCode.BadUserNameOrPassword, MqttClientConnectResultCode.NotAuthorized);
    }

    [Fact]
    public async Task PublishToAnotherDevicesTopicIsRefusedAndReported()
    {
        var secretA = await silo.RegisterAsync("mq-a", "mq-ua");
        await silo.RegisterAsync("mq-b", "mq-ub");
        await using var a = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-a", secretA);
        (await a.SubscribeAsync(ErrorsTopic("mq-a"))).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);

        var ack = await a.PublishAsync(ReadingsTopic("mq-b"), Readings.Json(1, DateTimeOffset.UtcNow, 90));

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.NotAuthorized);
        var error = await a.NextAsync();
        error.Topic.Should().Be(ErrorsTopic("mq-a"));
        JsonDocument.Parse(error.Payload).RootElement.GetProperty("reason").GetString().Should().Be("wrong-topic");
        (await SnapshotAsync("mq-ub")).ReadingsApplied.Should().Be(0);
    }

    [Theory]
    [InlineData("osr/v1/devices/mq-c2/errors")]
    [InlineData("osr/v1/users/mq-uc2/notifications")]
    [InlineData("osr/v1/devices/+/readings")]
    [InlineData("#")]
    public async Task SubscribingToAnythingButOwnTopicsIsRefused(string topic)
    {
        var secret = await silo.RegisterAsync("mq-c1", "mq-uc1");
        await silo.RegisterAsync("mq-c2", "mq-uc2");
        await using var c = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-c1", secret);

        (await c.SubscribeAsync(topic)).Should().Be(MqttClientSubscribeResultCode.NotAuthorized);
        (await c.SubscribeAsync("osr/v1/users/mq-uc1/notifications")).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);
    }

    [Fact]
    public async Task OversizePayloadProducesAnErrorsMessageAndNoStateChange()
    {
        var secret = await silo.RegisterAsync("mq-big", "mq-ubig");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-big", secret);
        await device.SubscribeAsync(ErrorsTopic("mq-big"));
        var now = DateTimeOffset.UtcNow;
        // Just over 64 KiB: refused with a reason. (A packet beyond the limit + 1 KiB closes the connection; FrontDoorTests.)
        var readings = new List<string>();
        while (readings.Sum(r => r.Length + 1) <= 64 * 1024) readings.Add(Readings.Json(readings.Count + 1, now, 70));
        var huge = "[" + string.Join(",", readings) + "]";
        huge.Length.Should().BeInRange(64 * 1024 + 1, 64 * 1024 + 200);

        var ack = await device.PublishAsync(ReadingsTopic("mq-big"), huge);

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.PayloadFormatInvalid);
        var error = JsonDocument.Parse((await device.NextAsync()).Payload).RootElement;
        error.GetProperty("reason").GetString().Should().Be("oversize");
        error.GetProperty("seq").ValueKind.Should().Be(JsonValueKind.Null);
        (await SnapshotAsync("mq-ubig")).ReadingsApplied.Should().Be(0);
    }

    [Theory]
    [InlineData("{\"seq\":1,\"ts\":", "malformed-json")]
    [InlineData("not json at all", "malformed-json")]
    [InlineData("[]", "empty-batch")]
    [InlineData("42", "not-an-object")]
    public async Task MalformedPayloadProducesAnErrorsMessageAndNoStateChange(string payload, string reason)
    {
        var id = "mq-bad-" + reason;
        var secret = await silo.RegisterAsync(id, "u-" + id);
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, id, secret);
        await device.SubscribeAsync(ErrorsTopic(id));

        var ack = await device.PublishAsync(ReadingsTopic(id), payload);

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.PayloadFormatInvalid);
        JsonDocument.Parse((await device.NextAsync()).Payload).RootElement.GetProperty("reason").GetString().Should().Be(reason);
        (await SnapshotAsync("u-" + id)).ReadingsApplied.Should().Be(0);
    }

    [Fact]
    public async Task InvalidReadingsInABatchAreReportedWhileTheValidOnesApply()
    {
        var secret = await silo.RegisterAsync("mq-mixed", "mq-umixed");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-mixed", secret);
        await device.SubscribeAsync(ErrorsTopic("mq-mixed"));
        var now = DateTimeOffset.UtcNow;
        var payload = $"[{Readings.Json(1, now, 70)},{Readings.Json(2, now, 400)},{Readings.Json(3, now.AddHours(-2), 70)},{Readings.Json(4, now, 71)}]";

        var ack = await device.PublishAsync(ReadingsTopic("mq-mixed"), payload);

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        var errors = new[] { await device.NextAsync(), await device.NextAsync() }
            .Select(e => JsonDocument.Parse(e.Payload).RootElement)
            .ToDictionary(e => e.GetProperty("seq").GetInt64(), e => e.GetProperty("reason").GetString());
        errors.Should().BeEquivalentTo(new Dictionary<long, string?> { [2] = "out-of-range", [3] = "too-late" });
        (await SnapshotAsync("mq-umixed")).ReadingsApplied.Should().Be(2);
    }

    [Fact]
    public async Task RedeliveredMessageIsAcknowledgedButNotAppliedTwice()
    {
        var secret = await silo.RegisterAsync("mq-redeliver", "mq-uredeliver");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-redeliver", secret);
        var payload = Readings.Json(7, DateTimeOffset.UtcNow, 75);

        (await device.PublishAsync(ReadingsTopic("mq-redeliver"), payload)).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await device.PublishAsync(ReadingsTopic("mq-redeliver"), payload)).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

        (await SnapshotAsync("mq-uredeliver")).ReadingsApplied.Should().Be(1);
    }

    [Fact]
    public async Task RejectionsAreCountedInClusterStatistics()
    {
        var secret = await silo.RegisterAsync("mq-stats", "mq-ustats");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "mq-stats", secret);
        var stats = silo.Grains.GetGrain<IStatsGrain>(GrainKeys.Global);
        var before = (await stats.GetAsync()).Totals[CounterNames.Rejected(Models.Readings.RejectReason.NotFinite)];

        await device.PublishAsync(ReadingsTopic("mq-stats"), $$"""{"seq":1,"ts":"{{DateTimeOffset.UtcNow:O}}","hr":1e400}""");

        // Silos report counters about once a second; wait (bounded) for the report.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long after;
        do
        {
            after = (await stats.GetAsync()).Totals[CounterNames.Rejected(Models.Readings.RejectReason.NotFinite)];
            if (after > before) break;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        after.Should().Be(before + 1);
        var gauges = (await stats.GetAsync()).SiloHealth.Should().ContainSingle().Subject;
        gauges.MqttConnections.Should().BeGreaterThanOrEqualTo(1, "this test's device is connected");
        gauges.ActiveUsers.Should().BeGreaterThanOrEqualTo(1);
        gauges.HeapBytes.Should().BePositive();
    }
}
