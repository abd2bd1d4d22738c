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

    /// <summary>
    /// In flight per device in a phased flood: with the control on, the silo reads a held connection one message at a time
    /// whatever the sender has queued, so 2 load it the same as 16, and at a period's end at most 2 are left to drain.
    /// </summary>
    private const int PhasedInFlight = 2;

    private readonly List<IMqttClient> _clients = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = new();
    private TimeSpan? _phase;
    private TimeSpan _longestDrain;
    private long _acked;
    private long _errors;

    /// <param name="interval">When set, each device sends one message per interval itself (one in flight) instead of flooding.</param>
    /// <param name="phase">
    /// When set, the flood runs only in odd phases of this length on the wall clock (Unix ms / phase is odd; see <see cref="FloodStatistics.FloodsAt"/>):
    /// the devices connect at a phase's start; at its end they stop sending, wait until the silo acknowledged what they had
    /// in flight (the drain, at most <see cref="PhasedInFlight"/> messages, reported in <see cref="Summary"/>), and disconnect.
    /// </param>
    public static async Task<Flooder> StartAsync(Target target, int devices, CancellationToken ct, TimeSpan? interval = null, TimeSpan? phase = null)
    {
        if (phase < TimeSpan.FromSeconds(1)) throw new InvalidOperationException("--flood-phase must be at least 1s");
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
            var inFlight = phase is null ? InFlight : PhasedInFlight;
            floods.Add(async stopSending =>
            {
                if (!client.IsConnected) await ConnectAsync(client, options, deviceId, stopSending).ConfigureAwait(false);
                if (interval is { } every) await flooder.PacedLoopAsync(client, message, every, stopSending).ConfigureAwait(false);
                else await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => flooder.LoopAsync(client, message, stopSending))).ConfigureAwait(false);
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
                // Stop sending; what is in flight is still acknowledged (the loops publish on the run's token), then leave.
                var drain = Stopwatch.StartNew();
                await on.CancelAsync().ConfigureAwait(false);
                await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(30), _stop.Token)).ConfigureAwait(false);
                if (drain.Elapsed > _longestDrain) _longestDrain = drain.Elapsed;
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

    /// <summary>Publishes until <paramref name="stopSending"/>; a publish already sent waits for its acknowledgement unless the run stops.</summary>
    private async Task LoopAsync(IMqttClient client, MqttApplicationMessage message, CancellationToken stopSending)
    {
        await Task.Yield();
        while (!stopSending.IsCancellationRequested && client.IsConnected)
        {
            try
            {
                await client.PublishAsync(message, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _acked);
            }
            catch (Exception) when (_stop.IsCancellationRequested || !client.IsConnected)
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
            $"flood: {_clients.Count} device(s){(_phase is { } p ? $" in every other phase of {p.TotalSeconds:0} s (rates over the whole run; longest drain after a phase {_longestDrain.TotalSeconds:0.0} s)" : "")}, {acked} garbage messages acknowledged in {seconds:0.0} s = {acked / seconds:0.0} msg/s, {acked * (double)PayloadBytes / seconds / 1024:0} KiB/s; {Interlocked.Read(ref _errors)} error replies received");
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
