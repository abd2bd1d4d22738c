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
    private long _acked;
    private long _errors;

    /// <param name="interval">When set, each device sends one message per interval itself (one in flight) instead of flooding.</param>
    public static async Task<Flooder> StartAsync(Target target, int devices, CancellationToken ct, TimeSpan? interval = null)
    {
        var flooder = new Flooder();
        var payload = new byte[PayloadBytes];
        Array.Fill(payload, (byte)'#');
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
            var result = await client.ConnectAsync(options, ct).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"flood device {deviceId} refused: {result.ResultCode}");
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter($"osr/v1/devices/{deviceId}/errors", MqttQualityOfServiceLevel.AtMostOnce).Build(), ct).ConfigureAwait(false);
            flooder._clients.Add(client);
            var message = new MqttApplicationMessageBuilder().WithTopic($"osr/v1/devices/{deviceId}/readings").WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            if (interval is { } every) flooder._loops.Add(flooder.PacedLoopAsync(client, message, every));
            else for (var k = 0; k < InFlight; k++) flooder._loops.Add(flooder.LoopAsync(client, message));
        }
        flooder._clock.Start();
        return flooder;
    }

    private async Task LoopAsync(IMqttClient client, MqttApplicationMessage message)
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested && client.IsConnected)
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
    private async Task PacedLoopAsync(IMqttClient client, MqttApplicationMessage message, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false) && client.IsConnected)
            {
                await client.PublishAsync(message, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _acked);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || !client.IsConnected)
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
            $"flood: {_clients.Count} device(s), {acked} garbage messages acknowledged in {seconds:0.0} s = {acked / seconds:0.0} msg/s, {acked * (double)PayloadBytes / seconds / 1024:0} KiB/s; {Interlocked.Read(ref _errors)} error replies received");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
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
