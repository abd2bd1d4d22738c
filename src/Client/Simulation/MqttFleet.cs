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
/// subscribed to the device's own <c>errors</c> topic, reconnected when dropped, and publishing QoS 1
/// messages whose PUBACK latency is recorded. Sockets are spread round-robin over the configured local
/// (source) addresses, because one source address allows only ~28 k connections to one server port.
/// With a <see cref="NotificationListener"/>, every watch also subscribes (QoS 1) to its user's
/// <c>notifications</c> topic and hands what arrives to the listener.
/// </summary>
public sealed class MqttFleet(SimulationStats stats, TimeProvider time, NotificationListener? notifications = null)
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(15);
    private readonly MqttClientFactory _factory = new();
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Builds each device's client options (no sockets opened yet).</summary>
    public void Prepare(IReadOnlyList<DeviceSimulator> devices, IPEndPoint broker, IReadOnlyList<IPAddress> localAddresses)
    {
        for (var i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            var options = _factory.CreateClientOptionsBuilder()
                .WithEndPoint(broker)
                .WithClientId(d.DeviceId)
                .WithCredentials(d.DeviceId, d.Secret)
                .WithCleanSession(true)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
                .WithTimeout(ClientTimeout)
                .Build();
            options.WriterBufferSize = 1024;
            if (localAddresses.Count > 0 && options.ChannelOptions is MqttClientTcpOptions tcp)
                tcp.LocalEndpoint = new IPEndPoint(localAddresses[i % localAddresses.Count], 0);
            d.Options = options;
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

    /// <summary>Every few seconds, reconnects devices that lost their connection (not those refused at CONNECT).</summary>
    public async Task ReconnectLoopAsync(IReadOnlyList<DeviceSimulator> devices, int concurrency, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), time, ct).ConfigureAwait(false);
                var dropped = devices.Where(d => d.Client is not null && !d.IsConnected && !d.Refused).ToList();
                if (dropped.Count == 0) continue;
                await Parallel.ForEachAsync(dropped, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (d, token) =>
                {
                    if (await ConnectAsync(d, token).ConfigureAwait(false)) stats.OnReconnected();
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
                d.Refused = true;
                stats.OnConnectFailed(result.ResultCode.ToString());
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

            d.MarkConnected(true);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (MqttConnectingFailedException ex)
        {
            d.Refused = true;
            stats.OnConnectFailed(ex.Message);
            return false;
        }
        catch (Exception ex)
        {
            stats.OnConnectFailed(Describe(ex));
            return false;
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
        _ = PublishAsync(d, buffer, length, readings, intendedTimestamp, measured);
    }

    private async Task PublishAsync(DeviceSimulator d, byte[] buffer, int length, int readings, long intended, bool measured)
    {
        try
        {
            var message = new MqttApplicationMessage
            {
                Topic = d.ReadingsTopic,
                Payload = new ReadOnlySequence<byte>(buffer, 0, length),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            };
            var started = time.GetTimestamp();
            var result = await d.Client!.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
            var acked = time.GetTimestamp();
            if (!measured) return;
            if (result.IsSuccess) stats.OnAcked(readings, Micros(started, acked), Micros(Math.Min(intended, started), acked), acked);
            else stats.OnRefused(string.IsNullOrEmpty(result.ReasonString) ? result.ReasonCode.ToString() : result.ReasonString);
        }
        catch (Exception ex)
        {
            if (measured) stats.OnFailed(Describe(ex));
            if (d.Client is { IsConnected: false }) d.MarkConnected(false);
        }
        finally
        {
            PooledReadingSerializer.Return(buffer);
            d.EndPublish();
            Interlocked.Decrement(ref _inFlight);
        }
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

    /// <summary>Waits until every publish got its PUBACK (or failed), at most <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var deadline = time.GetTimestamp();
        while (InFlight > 0 && time.GetElapsedTime(deadline) < timeout)
            await Task.Delay(TimeSpan.FromMilliseconds(20), time).ConfigureAwait(false);
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
