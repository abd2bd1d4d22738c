using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// A hostile load beside a scenario (<c>run … --flood N</c>, docs/benchmarks.md "Flood control"): N registered devices,
/// each publishing 64 KiB of garbage (not JSON) to its own readings topic with QoS 1 and 16 messages in flight, as fast
/// as the broker takes them, while subscribed to its errors topic. Runs in the driver process; reports what the silo
/// acknowledged and how many error replies came back.
/// </summary>
internal sealed class Flooder : IAsyncDisposable
{
    private const int PayloadBytes = 64 * 1024;
    private const int InFlight = 16;

    private readonly List<IMqttClient> _clients = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private TimeSpan? _phase;
    private long _acked;
    private long _errors;

    /// <param name="interval">When set, each device sends one message per interval itself (one in flight) instead of flooding.</param>
    /// <param name="phase">
    /// When set, the flood runs only in odd phases of this length on the wall clock (Unix ms / phase is odd; see <see cref="FloodStatistics.FloodsAt"/>):
    /// the devices connect at a phase's start and disconnect at its end, so nothing they sent is still held in the next phase.
    /// </param>
    public static async Task<Flooder> StartAsync(Target target, int devices, CancellationToken ct, TimeSpan? interval = null, TimeSpan? phase = null)
    {
        var flooder = new Flooder();
        var payload = new byte[PayloadBytes];
        Array.Fill(payload, (byte)'#');
        var floods = new List<Func<CancellationToken, Task>>();
        for (var i = 0; i < devices; i++)
        {
            var deviceId = $"flood-{i}";
            var secret = await target.RegisterAsync(deviceId, $"flood-user-{i}").ConfigureAwait(false);
            var client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += _ =>
            {
                Interlocked.Increment(ref flooder._errors);
                return Task.CompletedTask;
            };
            var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", target.MqttPort).WithClientId(deviceId)
                .WithCredentials(deviceId, secret).WithTimeout(TimeSpan.FromSeconds(60)).Build();
            flooder._clients.Add(client);
            if (phase is null) await ConnectAsync(client, options, deviceId, ct).ConfigureAwait(false);
            var message = new MqttApplicationMessageBuilder().WithTopic($"osr/v1/devices/{deviceId}/readings").WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            floods.Add(async token =>
            {
                if (!client.IsConnected) await ConnectAsync(client, options, deviceId, token).ConfigureAwait(false);
                if (interval is { } every) await flooder.PacedLoopAsync(client, message, every, token).ConfigureAwait(false);
                else await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => flooder.LoopAsync(client, message, token))).ConfigureAwait(false);
            });
        }

        flooder._phase = phase;
        flooder._clock.Start();
        flooder._loops.Add(phase is { } p
            ? flooder.PhasesAsync(floods, p)
            : Task.WhenAll(floods.Select(f => f(flooder._stop.Token))));
        return flooder;
    }

    private static async Task ConnectAsync(IMqttClient client, MqttClientOptions options, string deviceId, CancellationToken ct)
    {
        var result = await client.ConnectAsync(options, ct).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"flood device {deviceId} refused: {result.ResultCode}");
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"osr/v1/devices/{deviceId}/errors", MqttQualityOfServiceLevel.AtMostOnce).Build(), ct).ConfigureAwait(false);
    }

    /// <summary>Floods in the odd phases only: connects at a phase's start, disconnects at its end (what was held is dropped unacknowledged).</summary>
    private async Task PhasesAsync(List<Func<CancellationToken, Task>> floods, TimeSpan phase)
    {
        var ms = (long)phase.TotalMilliseconds;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var end = (now / ms + 1) * ms;
                if (!FloodStatistics.FloodsAt(now, ms))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(end - now), _stop.Token).ConfigureAwait(false);
                    continue;
                }

                using var on = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var running = Task.WhenAll(floods.Select(f => f(on.Token)));
                await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(end - now), _stop.Token)).ConfigureAwait(false);
                await on.CancelAsync().ConfigureAwait(false);
                await DisconnectAllAsync().ConfigureAwait(false);
                try
                {
                    await running.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // the phase ended
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // stopped
        }
    }

    private async Task LoopAsync(IMqttClient client, MqttApplicationMessage message, CancellationToken ct)
    {
        await Task.Yield();
        while (!ct.IsCancellationRequested && client.IsConnected)
        {
            try
            {
                await client.PublishAsync(message, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _acked);
            }
            catch (Exception) when (ct.IsCancellationRequested || !client.IsConnected)
            {
                return;
            }
        }
    }

    /// <summary>The same garbage, paced by the sender (a comparison: what the silo pays when it need not hold anything).</summary>
    private async Task PacedLoopAsync(IMqttClient client, MqttApplicationMessage message, TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false) && client.IsConnected)
            {
                await client.PublishAsync(message, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _acked);
            }
        }
        catch (Exception) when (ct.IsCancellationRequested || !client.IsConnected)
        {
            // stopped
        }
    }

    /// <summary>What the flood achieved since it started, one line.</summary>
    public string Summary()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var acked = Interlocked.Read(ref _acked);
        return string.Create(CultureInfo.InvariantCulture,
            $"flood: {_clients.Count} device(s){(_phase is { } p ? $" in every other phase of {p.TotalSeconds:0} s (rates over the whole run)" : "")}, {acked} garbage messages acknowledged in {seconds:0.0} s = {acked / seconds:0.0} msg/s, {acked * (double)PayloadBytes / seconds / 1024:0} KiB/s; {Interlocked.Read(ref _errors)} error replies received");
    }

    private async Task DisconnectAllAsync()
    {
        foreach (var c in _clients)
        {
            try
            {
                if (c.IsConnected) await c.DisconnectAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                // the connection is going anyway
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await DisconnectAllAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        foreach (var c in _clients) c.Dispose();
        _stop.Dispose();
    }
}
