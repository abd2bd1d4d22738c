using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>A real MQTTnet 5 client acting as one device; collects what it receives.</summary>
internal sealed class DeviceClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<(string Topic, string Payload)> _received = new();
    private readonly SemaphoreSlim _signal = new(0);

    private DeviceClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            _signal.Release();
            return Task.CompletedTask;
        };
    }

    public string DeviceId { get; private init; } = "";

    public static async Task<(DeviceClient Client, MqttClientConnectResult Result)> TryConnectAsync(
        int port, string deviceId, string password, MqttProtocolVersion version = MqttProtocolVersion.V500, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? deviceId) // docs/contract.md "MQTT sessions": client id = username
            .WithCredentials(deviceId, password)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        // MQTTnet 5 reports a refused CONNECT in the result code instead of throwing.
        var result = await client.ConnectAsync(options);
        return (new DeviceClient(client) { DeviceId = deviceId }, result);
    }

    public static async Task<DeviceClient> ConnectAsync(int port, string deviceId, string password,
        MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var (client, result) = await TryConnectAsync(port, deviceId, password, version);
        result.ResultCode.Should().Be(MqttClientConnectResultCode.Success, result.ReasonString);
        return client;
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string topic)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode;
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload));

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    /// <summary>Waits (bounded) for the next message received on any subscribed topic.</summary>
    public async Task<(string Topic, string Payload)> NextAsync(TimeSpan? timeout = null)
    {
        if (!await _signal.WaitAsync(timeout ?? TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"device {DeviceId} received nothing");
        _received.TryDequeue(out var item).Should().BeTrue();
        return item;
    }

    public int ReceivedCount => _received.Count;

    public bool IsConnected => _client.IsConnected;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync();
            _client.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // MQTTnet 5 may throw from its own cleanup when the server cut the connection while this side was tearing it
            // down (seen in CI: ClusterKillTests, a silo closing a device's connection mid-publish); the client is gone.
        }
    }
}
