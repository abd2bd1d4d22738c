using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Osr.Orleans.Models.Metrics;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// <c>ingest lag-subscriber --port P [--host H]</c>: the one consuming subscriber of the bare-Mosquitto comparison
/// (docs/benchmarks.md, "Ingest: embedded vs external vs bare Mosquitto"). It subscribes to every device's readings
/// (QoS 1, a plain subscription: no grains, no parsing beyond the <c>ts</c>) and counts, per message, the lag from its
/// newest reading's <c>ts</c> to its arrival in the same <see cref="LagBuckets"/> the silo's <c>ingest.lagMs</c> uses.
/// Every second it prints one JSON line: <c>{"count", "p50", "p99", "p999"}</c> of everything since it started.
/// Stops on SIGTERM or SIGINT.
/// </summary>
internal static class LagSubscriber
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = Args.Parse(args);
        var host = a.Get("--host") ?? "127.0.0.1";
        var port = a.GetInt("--port", 1883);
        var buckets = new long[LagBuckets.Count];
        long unreadable = 0;

        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            var received = DateTime.UtcNow.Ticks;
            if (NewestTs(e.ApplicationMessage.Payload) is { } ts) Interlocked.Increment(ref buckets[LagBuckets.IndexOf(received - ts)]);
            else Interlocked.Increment(ref unreadable);
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("osr-bench-lag-subscriber")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart().Build();
        await client.ConnectAsync(options).ConfigureAwait(false);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("osr/v1/devices/+/readings", MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);
        Console.WriteLine($"lag subscriber on {host}:{port}");
        Console.WriteLine("Application started");

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false)) Print(buckets, unreadable);
        }
        catch (OperationCanceledException)
        {
        }

        Print(buckets, unreadable);
        await client.DisconnectAsync().ConfigureAwait(false);
        return 0;
    }

    private static void Print(long[] buckets, long unreadable)
    {
        var snapshot = new long[LagBuckets.Count];
        for (var i = 0; i < snapshot.Length; i++) snapshot[i] = Volatile.Read(ref buckets[i]);
        var s = LagBuckets.Summarize(snapshot);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"count\":{s.Count},\"p50\":{s.P50 ?? double.NaN:0.###},\"p99\":{s.P99 ?? double.NaN:0.###},\"p999\":{s.P999 ?? double.NaN:0.###},\"unreadable\":{Interlocked.Read(ref unreadable)}}}"));
    }

    /// <summary>The newest <c>ts</c> (UTC ticks) of a reading or an array of readings; null when there is none.</summary>
    private static long? NewestTs(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            long? newest = null;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("ts"u8)) continue;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var ts)) continue;
                if (newest is null || ts.UtcTicks > newest) newest = ts.UtcTicks;
            }

            return newest;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
