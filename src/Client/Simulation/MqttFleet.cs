using System.Buffers;
using System.Net;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// The MQTT side of the simulator: one MQTT 5 client per device (username = device id, password = its
/// secret, client id = device id, clean session), connected in parallel under a concurrency limit,
/// subscribed to the device's own <c>errors</c> topic, and publishing QoS 1 messages whose PUBACK latency
/// is recorded. Devices are spread round-robin over the configured brokers (one per silo) and their sockets
/// over the configured local (source) addresses, because one source address allows only ~28 k connections
/// to one server port. With a <see cref="NotificationListener"/>, every watch also subscribes (QoS 1) to its
/// user's <c>notifications</c> topic and hands what arrives to the listener.
/// <para>What a device does when its silo goes away (docs/operations.md, "Devices and silo failure"): it
/// reconnects with jittered exponential back-off (<see cref="ReconnectBackoff"/>), moving to another broker of
/// the list after each failed attempt; a connect refused for its credentials is final, any other failure
/// (refused socket, timeout, "server unavailable") is retried. A readings message whose PUBACK did not come
/// (the connection broke, or the silo answered "unspecified error") is kept and sent again, with the same
/// seq numbers, before anything new once the device is connected again; the silo applies each seq once.
/// Readings that fall due while the device is offline are kept (at most
/// <see cref="SimulationOptions.MaxReadingsPerMessage"/>) and sent after it reconnects.</para>
/// </summary>
public sealed class MqttFleet(SimulationStats stats, TimeProvider time, NotificationListener? notifications = null)
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ReconnectTick = TimeSpan.FromMilliseconds(100);

    /// <summary>Pause before a message that got "unspecified error" is sent again on a connection that stayed open.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly MqttClientFactory _factory = new();
    private IReadOnlyList<IPEndPoint> _brokers = [];
    private IReadOnlyList<IPAddress> _localAddresses = [];
    private int _inFlight;
    private int _unacked;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Messages waiting to be sent again (their device offline, or pausing before the retry).</summary>
    public int Unacked => Volatile.Read(ref _unacked);

    /// <summary>The brokers devices are spread over, in the order given.</summary>
    public IReadOnlyList<IPEndPoint> Brokers => _brokers;

    /// <summary>Builds each device's client options for one broker (no sockets opened yet).</summary>
    public void Prepare(IReadOnlyList<DeviceSimulator> devices, IPEndPoint broker, IReadOnlyList<IPAddress> localAddresses) =>
        Prepare(devices, [broker], localAddresses);

    /// <summary>
    /// Assigns device <c>i</c> to broker <c>i mod brokers</c> and builds its client options (no sockets opened yet).
    /// </summary>
    public void Prepare(IReadOnlyList<DeviceSimulator> devices, IReadOnlyList<IPEndPoint> brokers, IReadOnlyList<IPAddress> localAddresses)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(brokers);
        if (brokers.Count == 0) throw new ArgumentException("at least one broker is needed", nameof(brokers));
        _brokers = [.. brokers];
        _localAddresses = [.. localAddresses];
        for (var i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            d.Index = i;
            d.Broker = i % _brokers.Count;
            d.Options = BuildOptions(d);
        }
    }

    private MqttClientOptions BuildOptions(DeviceSimulator d)
    {
        var options = _factory.CreateClientOptionsBuilder()
            .WithEndPoint(_brokers[d.Broker])
            .WithClientId(d.DeviceId)
            .WithCredentials(d.DeviceId, d.Secret)
            .WithCleanSession(true)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(ClientTimeout)
            .Build();
        options.WriterBufferSize = 1024;
        if (_localAddresses.Count > 0 && options.ChannelOptions is MqttClientTcpOptions tcp)
            tcp.LocalEndpoint = new IPEndPoint(_localAddresses[d.Index % _localAddresses.Count], 0);
        return options;
    }

    /// <summary>
    /// Waits until the broker accepts <paramref name="probe"/>'s credentials, trying once a second (its client options from
    /// <see cref="Prepare(IReadOnlyList{DeviceSimulator}, IReadOnlyList{IPEndPoint}, IReadOnlyList{IPAddress})"/>): after the
    /// console wrote the devices' accounts into the broker's file, the broker takes them only once restarted, and until
    /// then it is down or refuses the device. False when <paramref name="timeout"/> passed first.
    /// </summary>
    public async Task<bool> WaitUntilAcceptedAsync(DeviceSimulator probe, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var started = time.GetTimestamp();
        using var client = _factory.CreateMqttClient();
        while (true)
        {
            try
            {
                var result = await client.ConnectAsync(probe.Options!, ct).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    await TryDisconnectAsync(client).ConfigureAwait(false);
                    return true;
                }
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Down, restarting, or still running with the old accounts (refused): try again.
            }

            if (time.GetElapsedTime(started) >= timeout) return false;
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Connects every device, at most <paramref name="concurrency"/> at a time; returns how many connected.</summary>
    public async Task<int> ConnectAllAsync(IReadOnlyList<DeviceSimulator> devices, int concurrency, Action<int>? progress, CancellationToken ct)
    {
        var connected = 0;
        var attempted = 0;
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (d, token) =>
        {
            if (await ConnectAsync(d, token).ConfigureAwait(false)) Interlocked.Increment(ref connected);
            var n = Interlocked.Increment(ref attempted);
            if (n % 1000 == 0) progress?.Invoke(n);
        }).ConfigureAwait(false);
        return connected;
    }

    /// <summary>
    /// Reconnects devices that lost their connection or could not connect (not those refused for their credentials),
    /// each when its back-off has passed, at most <paramref name="concurrency"/> at a time.
    /// </summary>
    public async Task ReconnectLoopAsync(IReadOnlyList<DeviceSimulator> devices, int concurrency, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(ReconnectTick, time, ct).ConfigureAwait(false);
                var now = time.GetTimestamp();
                var due = devices.Where(d => d.Client is not null && !d.IsConnected && !d.Refused && d.NextConnectAttempt <= now).ToList();
                if (due.Count == 0) continue;
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (d, token) =>
                {
                    var home = d.Index % _brokers.Count;
                    if (!await ConnectAsync(d, token).ConfigureAwait(false)) return;
                    stats.OnReconnected();
                    if (d.Broker != home) stats.OnFailover();
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<bool> ConnectAsync(DeviceSimulator d, CancellationToken ct)
    {
        var client = d.Client;
        if (client is null)
        {
            client = _factory.CreateMqttClient();
            client.ApplicationMessageReceivedAsync += e =>
                notifications is not null && d.Kind == DeviceKind.Watch && e.ApplicationMessage.Topic == NotificationListener.NotificationsTopic(d.UserId)
                    ? notifications.OnMessageAsync(d, e)
                    : stats.OnErrorMessage(e);
            client.DisconnectedAsync += _ =>
            {
                d.MarkConnected(false);
                return Task.CompletedTask;
            };
            d.Client = client;
        }

        try
        {
            var result = await client.ConnectAsync(d.Options!, ct).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                ConnectFailed(d, result.ResultCode, result.ResultCode.ToString());
                return false;
            }

            var subscription = await client.SubscribeAsync(d.ErrorsTopic, MqttQualityOfServiceLevel.AtMostOnce, ct).ConfigureAwait(false);
            foreach (var item in subscription.Items)
                if ((int)item.ResultCode > 2) stats.OnConnectFailed($"subscribe errors topic: {item.ResultCode}");

            if (notifications is not null && d.Kind == DeviceKind.Watch)
            {
                var subscribed = await client.SubscribeAsync(NotificationListener.NotificationsTopic(d.UserId), MqttQualityOfServiceLevel.AtLeastOnce, ct).ConfigureAwait(false);
                foreach (var item in subscribed.Items)
                    if ((int)item.ResultCode > 2) stats.OnConnectFailed($"subscribe notifications topic: {item.ResultCode}");
            }

            d.ConnectFailures = 0;
            d.MarkConnected(true);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            ConnectFailed(d, null, Describe(ex));
            if (client.IsConnected) await TryDisconnectAsync(client).ConfigureAwait(false);   // connected but a subscription failed
            return false;
        }
    }

    /// <summary>
    /// A failed connect: final when the broker refused the device's identity (<see cref="IsFinal"/>); otherwise the next
    /// attempt goes to another broker of the list after the back-off.
    /// </summary>
    private void ConnectFailed(DeviceSimulator d, MqttClientConnectResultCode? code, string reason)
    {
        stats.OnConnectFailed(reason);
        if (code is { } c && IsFinal(c))
        {
            d.Refused = true;
            return;
        }

        d.ConnectFailures++;
        var next = ReconnectBackoff.NextBroker(d.Broker, _brokers.Count, d.ConnectFailures, d.Index / _brokers.Count);
        if (next != d.Broker)
        {
            d.Broker = next;
            d.Options = BuildOptions(d);
        }

        var delay = ReconnectBackoff.Delay(d.ConnectFailures, Random.Shared.NextDouble());
        d.NextConnectAttempt = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>CONNECT refusals that name the device's identity or protocol, not the server's state: retrying cannot help.</summary>
    internal static bool IsFinal(MqttClientConnectResultCode code) => code is
        MqttClientConnectResultCode.BadUserNameOrPassword or
        MqttClientConnectResultCode.NotAuthorized or
        MqttClientConnectResultCode.ClientIdentifierNotValid or
        MqttClientConnectResultCode.Banned or
        MqttClientConnectResultCode.BadAuthenticationMethod or
        MqttClientConnectResultCode.UnsupportedProtocolVersion;

    private static async Task TryDisconnectAsync(IMqttClient client)
    {
        try
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Publishes one payload (a rented buffer, returned here) without blocking the caller; records the
    /// PUBACK latency, or the refusal reason, or the failure. Ends the device's in-flight publish.
    /// </summary>
    public void Publish(DeviceSimulator d, byte[] buffer, int length, int readings) =>
        Publish(d, buffer, length, readings, time.GetTimestamp());

    /// <summary>
    /// As <see cref="Publish(DeviceSimulator, byte[], int, int)"/>, for a message that was due at
    /// <paramref name="intendedTimestamp"/> (<see cref="TimeProvider.GetTimestamp"/> units): its latency from that
    /// time is recorded too, and it counts only if that time is in the measured window
    /// (<see cref="SimulationStats.Measures"/>).
    /// </summary>
    public void Publish(DeviceSimulator d, byte[] buffer, int length, int readings, long intendedTimestamp)
    {
        Interlocked.Increment(ref _inFlight);
        var measured = stats.Measures(intendedTimestamp);
        if (measured) stats.OnPublished(readings);
        _ = PublishAsync(d, new UnackedMessage(buffer, length, readings, intendedTimestamp, measured, 0));
    }

    /// <summary>
    /// Sends again the device's message that was not acknowledged (<see cref="DeviceSimulator.Unacked"/>). The caller
    /// holds the device's publish slot (<see cref="DeviceSimulator.TryBeginPublish"/>, taken before reading
    /// <c>Unacked</c>) and saw the message's pause (<see cref="UnackedMessage.NotBefore"/>) over.
    /// </summary>
    public void Resend(DeviceSimulator d)
    {
        var message = d.Unacked ?? throw new InvalidOperationException($"device {d.DeviceId} has no unacknowledged message");
        d.Unacked = null;
        Interlocked.Decrement(ref _unacked);
        Interlocked.Increment(ref _inFlight);
        stats.OnResent(message.Readings);
        _ = PublishAsync(d, message);
    }

    private async Task PublishAsync(DeviceSimulator d, UnackedMessage m)
    {
        var keep = false;
        try
        {
            var message = new MqttApplicationMessage
            {
                Topic = d.ReadingsTopic,
                Payload = new ReadOnlySequence<byte>(m.Buffer, 0, m.Length),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            };
            var started = time.GetTimestamp();
            var result = await d.Client!.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
            var acked = time.GetTimestamp();
            if (result.ReasonCode == MqttClientPublishReasonCode.UnspecifiedError)
            {
                // "internal error; retry": the silo could not apply it (e.g. the user's grain was on a silo that just died).
                keep = true;
                Keep(d, m with { NotBefore = acked + (long)(RetryPause.TotalSeconds * time.TimestampFrequency) });
                return;
            }

            if (result.IsSuccess) Volatile.Write(ref d.LastAcked, acked);
            if (!m.Measured) return;
            if (result.IsSuccess) stats.OnAcked(m.Readings, Micros(started, acked), Micros(Math.Min(m.IntendedTimestamp, started), acked), acked);
            else stats.OnRefused(string.IsNullOrEmpty(result.ReasonString) ? result.ReasonCode.ToString() : result.ReasonString);
        }
        catch (Exception ex)
        {
            if (d.Client is { } client)
            {
                // No PUBACK: the connection broke or timed out. Keep the message for the next connection (to any broker).
                stats.OnInterrupted(Describe(ex));
                if (client.IsConnected && ex.GetBaseException() is MQTTnet.Exceptions.MqttCommunicationTimedOutException) await TryDisconnectAsync(client).ConfigureAwait(false);
                if (!client.IsConnected) d.MarkConnected(false);
                keep = true;
                Keep(d, m with { NotBefore = 0 });
                return;
            }

            if (m.Measured) stats.OnFailed(Describe(ex));
        }
        finally
        {
            if (!keep) PooledReadingSerializer.Return(m.Buffer);
            d.EndPublish();
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Keep(DeviceSimulator d, UnackedMessage m)
    {
        d.Unacked = m;
        Interlocked.Increment(ref _unacked);
    }

    /// <summary>
    /// Publishes one message of readings (a rented buffer, returned here) and waits for its PUBACK: the backtest's
    /// lockstep publishing. Counts it like <see cref="Publish(DeviceSimulator, byte[], int, int)"/>, except that a
    /// refusal for the per-device quota is not counted but returned, so the caller can wait and send it again.
    /// </summary>
    public async Task<PublishOutcome> PublishAndWaitAsync(DeviceSimulator d, byte[] buffer, int length, int readings, CancellationToken ct)
    {
        try
        {
            if (d.Client is not { IsConnected: true } client) return PublishOutcome.Disconnected;
            var message = new MqttApplicationMessage
            {
                Topic = d.ReadingsTopic,
                Payload = new ReadOnlySequence<byte>(buffer, 0, length),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            };
            var started = time.GetTimestamp();
            var result = await client.PublishAsync(message, ct).ConfigureAwait(false);
            var acked = time.GetTimestamp();
            if (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded) return PublishOutcome.QuotaExceeded;
            stats.OnPublished(readings);
            if (result.IsSuccess)
            {
                var micros = Micros(started, acked);
                stats.OnAcked(readings, micros, micros, acked);
                return PublishOutcome.Acked;
            }

            stats.OnRefused(string.IsNullOrEmpty(result.ReasonString) ? result.ReasonCode.ToString() : result.ReasonString);
            return PublishOutcome.Refused;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            stats.OnPublished(readings);
            stats.OnFailed(Describe(ex));
            if (d.Client is { IsConnected: false }) d.MarkConnected(false);
            return PublishOutcome.Failed;
        }
        finally
        {
            PooledReadingSerializer.Return(buffer);
        }
    }

    /// <summary>Publishes an event (QoS 1) on the device's <c>events</c> topic and waits for its PUBACK; not counted in the reading statistics.</summary>
    public async Task<(PublishOutcome Outcome, string? Reason)> PublishEventAsync(DeviceSimulator d, byte[] payload, CancellationToken ct)
    {
        try
        {
            if (d.Client is not { IsConnected: true } client) return (PublishOutcome.Disconnected, "disconnected");
            var message = new MqttApplicationMessage
            {
                Topic = NotificationListener.EventsTopic(d.DeviceId),
                Payload = new ReadOnlySequence<byte>(payload),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            };
            var result = await client.PublishAsync(message, ct).ConfigureAwait(false);
            if (result.IsSuccess) return (PublishOutcome.Acked, null);
            var reason = string.IsNullOrEmpty(result.ReasonString) ? result.ReasonCode.ToString() : result.ReasonString;
            if (result.ReasonCode == MqttClientPublishReasonCode.UnspecifiedError) return (PublishOutcome.Failed, reason);   // "internal error; retry"
            return (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded ? PublishOutcome.QuotaExceeded : PublishOutcome.Refused, reason);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            if (d.Client is { IsConnected: false }) d.MarkConnected(false);
            return (PublishOutcome.Failed, Describe(ex));
        }
    }

    private long Micros(long from, long to) => time.GetElapsedTime(from, to).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>
    /// Waits until every publish got its PUBACK (or failed) and every unacknowledged message was sent again and
    /// acknowledged, at most <paramref name="timeout"/>: resends go on (<paramref name="devices"/> whose connection is
    /// up); what is still unacknowledged then is counted as <see cref="SimulationStats.UnackedAtStop"/>.
    /// </summary>
    public async Task DrainAsync(IReadOnlyList<DeviceSimulator> devices, TimeSpan timeout)
    {
        var started = time.GetTimestamp();
        while ((InFlight > 0 || Unacked > 0) && time.GetElapsedTime(started) < timeout)
        {
            var now = time.GetTimestamp();
            foreach (var d in devices)
            {
                if (d.Unacked is null || !d.IsConnected || !d.TryBeginPublish()) continue;
                if (d.Unacked is { } m && m.NotBefore <= now) Resend(d);
                else d.EndPublish();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time).ConfigureAwait(false);
        }

        foreach (var d in devices)
        {
            if (d.Unacked is not { } m) continue;
            d.Unacked = null;
            Interlocked.Decrement(ref _unacked);
            stats.OnUnackedAtStop(m.Readings);
            PooledReadingSerializer.Return(m.Buffer);
        }
    }

    /// <summary>Disconnects every client cleanly, in parallel, bounded by <paramref name="timeout"/>.</summary>
    public async Task DisconnectAllAsync(IReadOnlyList<DeviceSimulator> devices, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 256, CancellationToken = cts.Token }, async (d, token) =>
            {
                if (d.Client is not { IsConnected: true } client) return;
                try
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptions(), token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Already gone; nothing to do.
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: the remaining sockets close when the clients are disposed.
        }

        foreach (var d in devices) d.Client?.Dispose();
    }

    internal static string Describe(Exception ex)
    {
        var e = ex.GetBaseException();
        return e switch
        {
            System.Net.Sockets.SocketException s => s.SocketErrorCode.ToString(),
            TimeoutException or MQTTnet.Exceptions.MqttCommunicationTimedOutException => "timeout",
            _ => e.GetType().Name,
        };
    }
}

/// <summary>How an awaited publish ended.</summary>
public enum PublishOutcome
{
    Acked,

    /// <summary>Refused with MQTT 5 reason "quota exceeded" (the per-device rate limit): send again later.</summary>
    QuotaExceeded,

    /// <summary>Refused for another reason (counted).</summary>
    Refused,

    /// <summary>Timed out or the connection broke (counted).</summary>
    Failed,

    /// <summary>Not sent: the device is not connected.</summary>
    Disconnected,
}
