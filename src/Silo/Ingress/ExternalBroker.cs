using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>
/// External mode (<c>Osr:Mqtt:Mode=External</c>, docs/operations.md "External broker"): devices connect to MQTT brokers
/// (Mosquitto), which authenticate them and enforce the ACL; every silo is an MQTT 5 client of every broker in
/// <c>Osr:Mqtt:Brokers</c>, consuming the shared subscriptions <c>$share/osr/osr/v1/devices/+/readings</c> and
/// <c>…/events</c> at QoS 1. A message is acknowledged only after the <see cref="IngestPipeline"/> is done with it
/// (its grain accepted or refused it); when the grain call fails the connection is dropped without the
/// acknowledgement, and the persistent session (fixed client id <see cref="ClientId"/>, CleanStart=false, session
/// expiry <see cref="SessionExpiry"/>) makes the broker deliver it again. Messages are processed in
/// <see cref="Lanes"/> serial lanes chosen by device id, so one device's messages keep their order.
/// </summary>
public sealed class ExternalBroker : BackgroundService, IDeviceChannel
{
    /// <summary>How long a broker keeps a silo's session (and what it has not acknowledged) while the silo is away.</summary>
    public static readonly TimeSpan SessionExpiry = TimeSpan.FromDays(1);

    /// <summary>Messages a broker may have in flight to one silo before it waits for acknowledgements.</summary>
    public const ushort ReceiveMaximum = 1024;

    /// <summary>
    /// Serial lanes (one device's messages always take the same one). Each waits for its message's grain call, so a silo
    /// applies at most Lanes ÷ call time messages per second: 32 lanes capped a silo at ≈ 1,150 messages/s when a call
    /// took ≈ 28 ms on a loaded machine (docs/benchmarks.md, "Decisions", "External mode"). A quarter of
    /// <see cref="ReceiveMaximum"/>, so the broker's in-flight window still spreads over all of them.
    /// </summary>
    internal const int Lanes = ReceiveMaximum / 4;
    internal static readonly string[] Subscriptions = ["$share/osr/osr/v1/devices/+/readings", "$share/osr/osr/v1/devices/+/events"];
    internal const string DynSecTopic = "$CONTROL/dynamic-security/v1";
    internal const string DynSecResponseTopic = "$CONTROL/dynamic-security/v1/response";
    private const string DevicePrefix = Models.Broker.ContractTopics.DevicePrefix;

    private readonly IngestPipeline _pipeline;
    private readonly OsrClock _time;
    private readonly ILogger<ExternalBroker> _logger;
    private readonly MqttOptions _options;
    private readonly BrokerConnection[] _connections;
    private readonly Channel<Work>[] _lanes;
    private readonly DeviceOwners _owners;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonArray>> _pendingCommands = new(StringComparer.Ordinal);

    public ExternalBroker(IGrainFactory grains, IOptions<MqttOptions> options, IngestPipeline pipeline, OsrClock time, IConfiguration configuration,
        ILogger<ExternalBroker> logger)
    {
        _owners = new DeviceOwners(grains);
        _pipeline = pipeline;
        _time = time;
        _logger = logger;
        _options = options.Value;
        ClientId = SiloClientId(configuration);
        _connections = [.. _options.Brokers.Select(b => new BrokerConnection(this, b))];
        _lanes = [.. Enumerable.Range(0, Lanes).Select(_ => Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true }))];
    }

    /// <summary>
    /// The silo's MQTT client id, the same after a restart: <c>osr-silo-{Osr:Cluster:SiloName}</c> when that is set,
    /// otherwise <c>osr-silo-{host name}-{Osr:Cluster:SiloPort}</c>.
    /// </summary>
    public string ClientId { get; }

    internal static string SiloClientId(IConfiguration configuration)
    {
        var name = configuration["Osr:Cluster:SiloName"];
        if (string.IsNullOrWhiteSpace(name)) name = $"{Environment.MachineName}-{configuration["Osr:Cluster:SiloPort"] ?? "11111"}";
        return "osr-silo-" + name.Trim().ToLowerInvariant();
    }

    public bool ReachesAllDevices => true;

    public int ConnectedDevices => 0;

    /// <summary>Brokers this silo is connected to right now.</summary>
    public int ConnectedBrokers => _connections.Count(c => c.IsConnected);

    public string? NotReadyReason
    {
        get
        {
            var down = _connections.Where(c => !c.IsConnected).Select(c => c.Broker).ToList();
            return down.Count == 0 ? null : $"not connected to MQTT broker(s) {string.Join(", ", down)}";
        }
    }

    public async Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken = default)
    {
        // Devices may be sharded over brokers: a system message goes to each.
        foreach (var c in _connections) await c.PublishAsync(topic, payload, qos, cancellationToken);
    }

    /// <summary>The broker closes sessions itself when a device's account changes (<see cref="BrokerDeviceAccounts"/>).</summary>
    public Task<int> DisconnectAsync(string clientId, CancellationToken cancellationToken = default) => Task.FromResult(0);

    /// <summary>
    /// Sends dynamic-security <paramref name="commands"/> to every broker and waits for the answers (at most
    /// <paramref name="timeout"/>); returns, per broker, the broker and its <c>responses</c> array.
    /// </summary>
    internal async Task<List<(string Broker, JsonArray Responses)>> DynSecAsync(JsonArray commands, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var results = new List<(string, JsonArray)>();
        foreach (var c in _connections)
        {
            var id = Guid.NewGuid().ToString("N");
            var copy = (JsonArray)commands.DeepClone();
            for (var i = 0; i < copy.Count; i++) copy[i]!["correlationData"] = $"{id}.{i}";
            var pending = new TaskCompletionSource<JsonArray>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pendingCommands[id] = pending;
            try
            {
                var body = new JsonObject { ["commands"] = copy }.ToJsonString();
                if (!await c.PublishAsync(DynSecTopic, System.Text.Encoding.UTF8.GetBytes(body), MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken))
                    throw new InvalidOperationException($"not connected to MQTT broker {c.Broker}");
                results.Add((c.Broker, await pending.Task.WaitAsync(timeout, _time.Provider, cancellationToken)));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"MQTT broker {c.Broker} did not answer the dynamic-security command within {timeout.TotalSeconds:0} s");
            }
            finally
            {
                _pendingCommands.TryRemove(id, out _);
            }
        }
        return results;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lanes = _lanes.Select(l => Task.Run(() => RunLaneAsync(l.Reader, stoppingToken), CancellationToken.None)).ToArray();
        await Task.WhenAll(_connections.Select(c => c.RunAsync(stoppingToken)));
        foreach (var l in _lanes) l.Writer.TryComplete();
        await Task.WhenAll(lanes);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var c in _connections) await c.CloseAsync();
    }

    public override void Dispose()
    {
        foreach (var c in _connections) c.Dispose();
        base.Dispose();
    }

    /// <summary>A message received from <see cref="Connection"/>, with a pooled copy of its payload.</summary>
    private readonly record struct Work(BrokerConnection Connection, long Epoch, MqttApplicationMessageReceivedEventArgs Message, byte[] Payload, int Length);

    private Task OnReceivedAsync(BrokerConnection connection, MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (topic.StartsWith("$CONTROL/", StringComparison.Ordinal))
        {
            OnDynSecResponse(e.ApplicationMessage.Payload);
            return Task.CompletedTask;
        }
        if (!TryDeviceId(topic, out var deviceId))
        {
            IngressLog.NotADeviceTopic(_logger, topic, connection.Broker);
            return Task.CompletedTask; // acknowledged: nothing would ever accept it
        }
        e.AutoAcknowledge = false;
        var payload = e.ApplicationMessage.Payload;
        var length = checked((int)payload.Length);
        var copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        payload.CopyTo(copy);
        var lane = (int)((uint)string.GetHashCode(deviceId, StringComparison.Ordinal) % Lanes);
        _lanes[lane].Writer.TryWrite(new Work(connection, connection.Epoch, e, copy, length));
        return Task.CompletedTask;
    }

    private async Task RunLaneAsync(ChannelReader<Work> reader, CancellationToken stoppingToken)
    {
        await foreach (var work in reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                // Received before the connection dropped: the broker sends it again, in order with what follows it. Applying
                // it now could apply a device's later reading before an earlier one that failed, which then counts as a duplicate.
                if (!work.Connection.IsCurrent(work.Epoch)) continue;
                var topic = work.Message.ApplicationMessage.Topic;
                TryDeviceId(topic, out var id);
                if (!_owners.TryGet(id, out var deviceId, out var owner))
                {
                    deviceId = id.ToString();
                    try
                    {
                        owner = await _owners.RefreshAsync(deviceId);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // Like a failed grain call in the pipeline: no acknowledgement, and the connection goes so that the
                        // broker sends this message again before anything of the device that follows it.
                        IngressLog.PublishFailed(_logger, ex, topic);
                        await work.Connection.DropAsync(work.Epoch);
                        continue;
                    }
                }
                var outcome = await _pipeline.HandleAsync(Topics.ClassifyPublish(topic, deviceId), deviceId, owner,
                    new ReadOnlySequence<byte>(work.Payload, 0, work.Length), work.Connection, owners: _owners);
                if (outcome.Redeliver) await work.Connection.DropAsync(work.Epoch); // no acknowledgement: the broker sends it again
                else await work.Connection.AcknowledgeAsync(work.Message, work.Epoch, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Not acknowledged: delivered again with the session.
                IngressLog.PublishFailed(_logger, ex, work.Message.ApplicationMessage.Topic);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(work.Payload);
            }
        }
    }

    /// <summary>The device id of <c>osr/v1/devices/{id}/…</c>; false for anything else or an invalid id.</summary>
    internal static bool TryDeviceId(string topic, out ReadOnlySpan<char> deviceId)
    {
        deviceId = default;
        if (!topic.StartsWith(DevicePrefix, StringComparison.Ordinal)) return false;
        var rest = topic.AsSpan(DevicePrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0) return false;
        deviceId = rest[..slash];
        return GrainKeys.IsValidId(deviceId);
    }

    private void OnDynSecResponse(ReadOnlySequence<byte> payload)
    {
        try
        {
            if (JsonNode.Parse(payload.ToArray()) is not JsonObject { } root || root["responses"] is not JsonArray responses || responses.Count == 0) return;
            if (responses[0]?["correlationData"]?.GetValue<string>() is not { } correlation) return;
            var dot = correlation.IndexOf('.');
            if (dot > 0 && _pendingCommands.TryGetValue(correlation[..dot], out var pending)) pending.TrySetResult(responses);
        }
        catch (System.Text.Json.JsonException)
        {
            // another administrator's malformed command; not ours
        }
    }

    /// <summary>One broker: the MQTT client, kept connected (with backoff) until the silo stops.</summary>
    internal sealed class BrokerConnection : IDeviceChannel, IDisposable
    {
        private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

        private readonly ExternalBroker _owner;
        private readonly IMqttClient _client;
        private readonly MqttClientOptions _clientOptions;
        private readonly SemaphoreSlim _disconnected = new(0, 1);
        private long _epoch;

        public BrokerConnection(ExternalBroker owner, string broker)
        {
            _owner = owner;
            Broker = broker;
            MqttOptions.TryParseBroker(broker, out var host, out var port, out _);
            _client = new MqttClientFactory().CreateMqttClient();
            _clientOptions = new MqttClientOptionsBuilder()
                .WithTcpServer(host, port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithClientId(owner.ClientId)
                .WithCredentials(owner._options.Username, owner._options.Password)
                .WithCleanStart(false)
                .WithSessionExpiryInterval((uint)SessionExpiry.TotalSeconds)
                .WithReceiveMaximum(ReceiveMaximum)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build();
            _client.ApplicationMessageReceivedAsync += e => owner.OnReceivedAsync(this, e);
            _client.DisconnectedAsync += _ =>
            {
                Interlocked.Increment(ref _epoch);
                if (_disconnected.CurrentCount == 0) _disconnected.Release();
                return Task.CompletedTask;
            };
        }

        public string Broker { get; }
        public bool IsConnected => _client.IsConnected;

        /// <summary>Counts the connection's drops: what was received before a drop is not acknowledged after it.</summary>
        public long Epoch => Interlocked.Read(ref _epoch);

        /// <summary>Whether a message received in <paramref name="epoch"/> can still be acknowledged.</summary>
        public bool IsCurrent(long epoch) => _client.IsConnected && epoch == Epoch;
        public bool ReachesAllDevices => true;
        public int ConnectedDevices => 0;
        public string? NotReadyReason => IsConnected ? null : $"not connected to MQTT broker {Broker}";

        public async Task RunAsync(CancellationToken stoppingToken)
        {
            var backoff = MinBackoff;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    while (_disconnected.CurrentCount > 0) await _disconnected.WaitAsync(stoppingToken);
                    var connected = await _client.ConnectAsync(_clientOptions, stoppingToken);
                    if (connected.ResultCode != MqttClientConnectResultCode.Success)
                        throw new InvalidOperationException($"CONNACK {connected.ResultCode} {connected.ReasonString}");
                    var subscribe = new MqttClientSubscribeOptionsBuilder();
                    foreach (var s in Subscriptions) subscribe.WithTopicFilter(s, MqttQualityOfServiceLevel.AtLeastOnce);
                    subscribe.WithTopicFilter(DynSecResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce);
                    var granted = await _client.SubscribeAsync(subscribe.Build(), stoppingToken);
                    if (granted.Items.FirstOrDefault(i => (int)i.ResultCode > 2) is { } refused)
                        throw new InvalidOperationException($"subscription to {refused.TopicFilter.Topic} refused: {refused.ResultCode}");
                    IngressLog.BrokerConnected(_owner._logger, Broker, _owner.ClientId, connected.IsSessionPresent);
                    backoff = MinBackoff;
                    await _disconnected.WaitAsync(stoppingToken); // until the connection drops
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    IngressLog.BrokerUnavailable(_owner._logger, Broker, ex.Message, (long)backoff.TotalMilliseconds);
                    try
                    {
                        if (_client.IsConnected) await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
                        await Task.Delay(backoff, _owner._time.Provider, stoppingToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
                }
            }
        }

        /// <summary>
        /// Acknowledges <paramref name="message"/> if it came over the current connection (<paramref name="epoch"/>): after a
        /// reconnect the broker sends it again under its packet id, and a late PUBACK for that id could acknowledge
        /// another message the broker has since given the id to.
        /// </summary>
        public async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs message, long epoch, CancellationToken cancellationToken)
        {
            if (!IsCurrent(epoch)) return; // redelivered with the session
            try
            {
                await message.AcknowledgeAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                IngressLog.PublishFailed(_owner._logger, ex, message.ApplicationMessage.Topic);
            }
        }

        /// <summary>Drops the connection without acknowledging; <see cref="RunAsync"/> reconnects and the broker redelivers.</summary>
        public async Task DropAsync(long epoch)
        {
            // The first drop of this connection ends its epoch at once, so the lanes stop applying what it delivered.
            if (Interlocked.CompareExchange(ref _epoch, epoch + 1, epoch) != epoch) return;
            try
            {
                if (_client.IsConnected)
                    await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.UnspecifiedError });
            }
            catch (Exception ex)
            {
                IngressLog.BrokerUnavailable(_owner._logger, Broker, ex.Message, 0);
            }
        }

        public async Task<bool> PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken)
        {
            if (!_client.IsConnected) return false;
            try
            {
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();
                await _client.PublishAsync(message, cancellationToken);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                IngressLog.PublishFailed(_owner._logger, ex, topic);
                return false;
            }
        }

        Task IDeviceChannel.PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken) =>
            PublishAsync(topic, payload, qos, cancellationToken);

        public Task<int> DisconnectAsync(string clientId, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public async Task CloseAsync()
        {
            try
            {
                if (_client.IsConnected) await _client.DisconnectAsync(new MqttClientDisconnectOptions());
            }
            catch (Exception ex)
            {
                IngressLog.BrokerUnavailable(_owner._logger, Broker, ex.Message, 0);
            }
        }

        public void Dispose()
        {
            _client.Dispose();
            _disconnected.Dispose();
        }
    }
}
