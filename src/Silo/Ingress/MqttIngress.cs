using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Silo.Ingress.Door;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>
/// The embedded MQTT broker: device connections, their authentication and the ACL (docs/architecture.md, hot path).
/// What devices publish goes to the <see cref="IngestPipeline"/>, shared with the external-broker mode.
/// <list type="number">
/// <item>Accept: the <see cref="DoorListener"/> admits sockets (connection cap, connect rate per address), runs
/// TLS and refuses oversized packets before their body is read (docs/decisions.md "The broker's front door").</item>
/// <item>CONNECT: username = device id, password = device secret, checked by the device's
/// grain (or a device certificate naming the device, when a client CA is configured); the owner's user id is
/// kept in the session. After repeated failures from an address, logins are refused for a while without the grain.</item>
/// <item>SUBSCRIBE: only the owner's notifications topic and the device's own errors topic.</item>
/// <item>PUBLISH (QoS 1) to the device's own <c>readings</c> topic: parsed and validated by the pipeline,
/// handed to <see cref="IDeviceGrain.IngestAsync"/>, and acknowledged only after that call
/// returned, i.e. after the owner's state grain applied the readings. Device publishes are
/// never forwarded to other subscribers. Every rejection is counted and reported on the
/// device's <c>errors</c> topic (within the connection's error budget); on MQTT 5 the PUBACK also carries
/// a reason code, on MQTT 3.1.1 a quota refusal holds the PUBACK instead (docs/decisions.md).</item>
/// <item>Every connection has a flood gate (<c>Osr:Mqtt:Flood</c>): a message over its limits is held before it
/// is handled, and as MQTTnet reads a connection's packets one after the other, so is the connection.</item>
/// </list>
/// If the grain call fails the connection is closed without a positive acknowledgement, so
/// the client redelivers.
/// </summary>
public sealed class MqttIngress(
    IGrainFactory grains,
    IOptions<MqttOptions> mqttOptions,
    IngestPipeline pipeline,
    IngestCounters counters,
    ILogger<MqttIngress> logger,
    TimeProvider? time = null) : IHostedService, IAsyncDisposable, IDeviceChannel
{
    internal const string DeviceKey = "osr.device";
    internal const string UserKey = "osr.user";
    internal const string GrainKey = "osr.device-grain";
    internal const string GateKey = "osr.flood-gate";
    internal const string Mqtt311Key = "osr.mqtt311";

    private readonly MqttOptions _options = mqttOptions.Value;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private DoorAdmission? _admission;
    private DoorListener? _door;
    private ServerCertificates? _certificates;
    private MqttServer? _server;
    private int _connected;

    /// <summary>Devices connected to this silo's broker right now.</summary>
    public int ConnectedDevices => Volatile.Read(ref _connected);

    /// <summary>The TCP port actually listened on (useful when configured as a free port by tests).</summary>
    public int Port => _door?.PlainPort is > 0 and var bound ? bound : _options.Port;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithoutDefaultEndpoint() // the door listens instead
            .WithPersistentSessions(false)
            .Build();
        _certificates = string.IsNullOrEmpty(_options.CertificatePath) ? null : new ServerCertificates(_options, logger, _time);
        _admission = new DoorAdmission(_options, counters, logger, _time);
        _door = new DoorListener(_options, _certificates, _admission, logger, _time);
        _server = new MqttServerFactory().CreateMqttServer(options, [_door]);
        _server.ValidatingConnectionAsync += OnConnectAsync;
        _server.InterceptingSubscriptionAsync += OnSubscribeAsync;
        _server.InterceptingPublishAsync += OnPublishAsync;
        _server.ClientConnectedAsync += OnSessionStartedAsync;
        _server.ClientConnectedAsync += _ => { Interlocked.Increment(ref _connected); return Task.CompletedTask; };
        _server.ClientDisconnectedAsync += _ => { Interlocked.Decrement(ref _connected); return Task.CompletedTask; };
        await _server.StartAsync();
        IngressLog.Listening(logger, _options.BindAddress, _door.PlainPort,
            _certificates is null ? "off" : _door.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The TLS certificate new handshakes present (null without TLS).</summary>
    internal ServerCertificates? Certificates => _certificates;

    /// <summary>Sockets open now, CONNECT complete or not.</summary>
    public int OpenConnections => _admission?.OpenConnections ?? 0;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true } server)
        {
            await server.StopAsync(new MqttServerStopOptions());
            IngressLog.Stopped(logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            if (_server.IsStarted) await _server.StopAsync(new MqttServerStopOptions());
            _server.Dispose();
            _server = null;
        }
        _certificates?.Dispose();
    }

    /// <summary>Closes every session of <paramref name="clientId"/> on this broker (reason "administrative action"); returns how many.</summary>
    public async Task<int> DisconnectAsync(string clientId, CancellationToken cancellationToken = default)
    {
        if (_server is not { IsStarted: true } server) return 0;
        var closed = 0;
        foreach (var client in await server.GetClientsAsync())
        {
            if (client.Id != clientId) continue;
            await client.DisconnectAsync(new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.AdministrativeAction,
                ReasonString = "the device's credentials changed",
            });
            closed++;
        }
        if (closed > 0) IngressLog.SessionsClosed(logger, clientId, closed);
        return closed;
    }

    /// <summary>Whether a listener is configured at all (a plain or a TLS port).</summary>
    public bool IsConfigured => _options.Port > 0 || !string.IsNullOrEmpty(_options.CertificatePath);

    /// <summary>Whether the broker accepts connections (it was started and not stopped).</summary>
    public bool IsListening => _server is { IsStarted: true };

    /// <summary>The embedded broker reaches the devices connected to this silo only.</summary>
    public bool ReachesAllDevices => false;

    public string? NotReadyReason => IsConfigured && !IsListening ? "the MQTT broker is not listening" : null;

    /// <summary>Publishes a system message (errors, notifications) to subscribers of <paramref name="topic"/>.</summary>
    public async Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken = default)
    {
        if (_server is not { IsStarted: true } server) return;
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .Build();
        try
        {
            await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            IngressLog.PublishFailed(logger, ex, topic);
        }
    }

    /// <summary>
    /// A client id is a session's identity: bound to the username, so that no device can take
    /// over (or kick off) another's session by naming its client id. Checked before the secret.
    /// </summary>
    private const string ClientIdRefusal = "client id must equal the username (device id)";

    private async Task OnConnectAsync(ValidatingConnectionEventArgs e)
    {
        var deviceId = e.UserName;
        var address = (e.RemoteEndPoint as IPEndPoint)?.Address;
        string? refusal = null;
        string? userId = null;
        var code = MqttConnectReasonCode.BadUserNameOrPassword;
        if (string.IsNullOrEmpty(deviceId) || !GrainKeys.IsValidId(deviceId)) refusal = "missing or invalid username (device id)";
        else if (_admission!.IsBackedOff(address, deviceId, out var retryAfter))
        {
            counters.ConnectRefused(); // no grain call, no warning: the failures that led here were logged
            e.ReasonCode = MqttConnectReasonCode.ConnectionRateExceeded;
            e.ReasonString = $"too many failed logins; retry in {Math.Ceiling(retryAfter.TotalSeconds):0} s";
            return;
        }
        else if (!string.Equals(e.ClientId, deviceId, StringComparison.Ordinal))
        {
            refusal = ClientIdRefusal; // docs/contract.md "MQTT sessions"
            code = MqttConnectReasonCode.ClientIdentifierNotValid;
        }
        else if (_certificates is { AcceptsDeviceCertificates: true } && e.ClientCertificate is { } certificate
                 && DeviceCertificate.Names(certificate, deviceId))
        {
            // The handshake checked that the certificate chains to the configured CA; the device must still exist.
            userId = await grains.GetGrain<IDeviceGrain>(deviceId).GetOwnerAsync();
            if (userId is null) refusal = "unknown or revoked device (certificate login)";
        }
        else if (string.IsNullOrEmpty(e.Password)) refusal = "missing password (device secret)";
        else
        {
            userId = await grains.GetGrain<IDeviceGrain>(deviceId).AuthenticateAsync(e.Password);
            if (userId is null) refusal = "unknown device or wrong secret";
        }

        if (refusal is not null)
        {
            counters.ConnectRefused();
            _admission!.LoginFailed(address, deviceId);
            e.ReasonCode = code;
            IngressLog.ConnectRefused(logger, e.RemoteEndPoint?.ToString(), deviceId, refusal);
            return;
        }

        _admission!.LoginSucceeded(address, deviceId!);
        e.SessionItems[DeviceKey] = deviceId!;
        e.SessionItems[UserKey] = userId!;
        e.SessionItems[GrainKey] = grains.GetGrain<IUserStateGrain>(userId!); // resolved once per connection: a message is one call, to the owner
        e.ReasonCode = MqttConnectReasonCode.Success;
        counters.ConnectAccepted();
        IngressLog.Connected(logger, deviceId!, e.ClientId, userId!);
    }

    private Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems?[DeviceKey] is string deviceId && e.SessionItems[UserKey] is string userId
            && Topics.MaySubscribe(e.TopicFilter.Topic, deviceId, userId))
        {
            return Task.CompletedTask;
        }
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        counters.SubscriptionRefused();
        IngressLog.SubscriptionRefused(logger, e.SessionItems?[DeviceKey] as string ?? e.ClientId, e.TopicFilter.Topic);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A device's session starts: its flood gate (one per connection, docs/contract.md "Security") and whether it speaks
    /// MQTT 3.1.1, whose quota refusals are held rather than acknowledged (docs/decisions.md).
    /// </summary>
    private Task OnSessionStartedAsync(ClientConnectedEventArgs e)
    {
        if (e.SessionItems[DeviceKey] is not string) return Task.CompletedTask;
        e.SessionItems[GateKey] = pipeline.NewGate();
        e.SessionItems[Mqtt311Key] = e.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V500;
        return Task.CompletedTask;
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages the silo injects itself (errors, notifications) carry no device session.
        if (e.SessionItems?[DeviceKey] is not string deviceId) return;

        e.ProcessPublish = false; // a device's messages are for the system only
        var topic = Topics.ClassifyPublish(e.ApplicationMessage.Topic, deviceId);
        var gate = e.SessionItems[GateKey] as Models.Ingress.FloodGate;
        var mqtt311 = e.SessionItems[Mqtt311Key] is true;
        var outcome = await pipeline.HandleAsync(topic, deviceId, Owner(e), e.ApplicationMessage.Payload, this,
            gate, mqtt311, e.CancellationToken);
        if (outcome.Code == MqttPubAckReasonCode.Success) return;
        e.Response.ReasonCode = outcome.Code;
        e.Response.ReasonString = outcome.Reason;
        if (outcome.Redeliver) e.CloseConnection = true; // no positive ack: the client redelivers after reconnecting
    }

    /// <summary>The owner's grain, resolved at CONNECT with the device and user (null would refuse the message as unknown).</summary>
    private static IUserStateGrain? Owner(InterceptingPublishEventArgs e) => e.SessionItems[GrainKey] as IUserStateGrain;
}
