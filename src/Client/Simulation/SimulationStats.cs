using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using MQTTnet;
using Osr.Orleans.Client.Output;

namespace Osr.Orleans.Client.Simulation;

/// <summary>Counters of one simulation run, updated lock-free from sender loops and MQTT callbacks.</summary>
public sealed class SimulationStats
{
    private long _published;
    private long _acked;
    private long _refused;
    private long _failed;
    private long _readingsPublished;
    private long _readingsAcked;
    private long _readingsDropped;
    private long _errorsReceived;
    private long _reconnects;
    private long _failovers;
    private long _resent;
    private long _readingsResent;
    private long _readingsUnackedAtStop;
    private long _readingsAckedInWindow;
    private long _measureFrom = long.MinValue;
    private long _measureUntil = long.MaxValue;

    /// <summary>Publish→PUBACK latency, the clock started just before <c>PublishAsync</c> (service time).</summary>
    public LatencyHistogram LatencyMicros { get; } = new();

    /// <summary>Latency from each message's intended send time to its PUBACK (includes waits in the simulator).</summary>
    public LatencyHistogram IntendedLatencyMicros { get; } = new();

    /// <summary>The summary's <c>latencyMs</c> is <see cref="IntendedLatencyMicros"/> instead of <see cref="LatencyMicros"/>.</summary>
    public bool ReportIntendedLatency { get; set; }

    /// <summary>When set, every latency the summary counts (the one <see cref="ReportIntendedLatency"/> chooses) is also kept raw.</summary>
    public LatencySamples? Samples { get; init; }

    public ConcurrentDictionary<string, long> RefusedByReason { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> ErrorsByReason { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> ConnectFailures { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, long> PublishFailures { get; } = new(StringComparer.Ordinal);

    /// <summary>Publishes that got no PUBACK because the connection broke or timed out (the message is sent again), by cause.</summary>
    public ConcurrentDictionary<string, long> Interruptions { get; } = new(StringComparer.Ordinal);

    public long Published => Volatile.Read(ref _published);
    public long Acked => Volatile.Read(ref _acked);
    public long Refused => Volatile.Read(ref _refused);
    public long Failed => Volatile.Read(ref _failed);
    public long ReadingsPublished => Volatile.Read(ref _readingsPublished);
    public long ReadingsAcked => Volatile.Read(ref _readingsAcked);
    public long ReadingsDropped => Volatile.Read(ref _readingsDropped);
    public long ErrorsReceived => Volatile.Read(ref _errorsReceived);
    public long Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Reconnects that landed on another broker than the device's first one.</summary>
    public long Failovers => Volatile.Read(ref _failovers);

    /// <summary>Messages sent again because their first copy was not acknowledged.</summary>
    public long Resent => Volatile.Read(ref _resent);

    public long ReadingsResent => Volatile.Read(ref _readingsResent);

    /// <summary>Readings of messages still not acknowledged when the run ended (their devices could not reconnect in time).</summary>
    public long ReadingsUnackedAtStop => Volatile.Read(ref _readingsUnackedAtStop);

    /// <summary>
    /// Restricts the summary to messages whose intended send time is at or after <paramref name="timestamp"/>
    /// (<see cref="TimeProvider.GetTimestamp"/> units); earlier ones (the warm-up) are not counted at all.
    /// </summary>
    public void MeasureFrom(long timestamp) => Volatile.Write(ref _measureFrom, timestamp);

    /// <summary>
    /// Ends the measured window: messages intended at or after <paramref name="timestamp"/> are not counted;
    /// those intended before and acknowledged after it are counted and timed, but not towards the achieved rate.
    /// </summary>
    public void MeasureUntil(long timestamp) => Volatile.Write(ref _measureUntil, timestamp);

    /// <summary>Whether a message intended to be sent at <paramref name="intendedTimestamp"/> is in the measured window.</summary>
    public bool Measures(long intendedTimestamp) =>
        intendedTimestamp >= Volatile.Read(ref _measureFrom) && intendedTimestamp < Volatile.Read(ref _measureUntil);

    public void OnPublished(int readings)
    {
        Interlocked.Increment(ref _published);
        Interlocked.Add(ref _readingsPublished, readings);
    }

    public void OnAcked(int readings, long latencyMicros) => OnAcked(readings, latencyMicros, latencyMicros, long.MinValue);

    /// <summary>An acknowledged message: its service time, its latency from the intended send time, and when the PUBACK arrived.</summary>
    public void OnAcked(int readings, long sendMicros, long intendedMicros, long ackedTimestamp)
    {
        Interlocked.Increment(ref _acked);
        Interlocked.Add(ref _readingsAcked, readings);
        if (ackedTimestamp < Volatile.Read(ref _measureUntil)) Interlocked.Add(ref _readingsAckedInWindow, readings);
        LatencyMicros.Record(sendMicros);
        IntendedLatencyMicros.Record(intendedMicros);
        Samples?.Record(ReportIntendedLatency ? intendedMicros : sendMicros, ackedTimestamp);
    }

    public void OnRefused(string reason)
    {
        Interlocked.Increment(ref _refused);
        Increment(RefusedByReason, reason);
    }

    public void OnFailed(string reason)
    {
        Interlocked.Increment(ref _failed);
        Increment(PublishFailures, reason);
    }

    public void OnDropped(long readings) => Interlocked.Add(ref _readingsDropped, readings);

    public void OnReconnected() => Interlocked.Increment(ref _reconnects);

    public void OnFailover() => Interlocked.Increment(ref _failovers);

    /// <summary>A publish that got no PUBACK (broken connection, timeout); the message is kept and sent again.</summary>
    public void OnInterrupted(string reason) => Increment(Interruptions, reason);

    public void OnResent(int readings)
    {
        Interlocked.Increment(ref _resent);
        Interlocked.Add(ref _readingsResent, readings);
    }

    public void OnUnackedAtStop(int readings) => Interlocked.Add(ref _readingsUnackedAtStop, readings);

    public void OnConnectFailed(string reason) => Increment(ConnectFailures, reason);

    /// <summary>Counts a message on a device's <c>errors</c> topic (<c>{"seq":…, "reason":"…"}</c>) by its reason.</summary>
    public Task OnErrorMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        Interlocked.Increment(ref _errorsReceived);
        Increment(ErrorsByReason, ReadReason(e.ApplicationMessage.Payload));
        return Task.CompletedTask;
    }

    internal static string ReadReason(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) return reader.GetString() ?? "unknown";
                }
            }
        }
        catch (JsonException)
        {
            return "unparseable";
        }

        return "unknown";
    }

    private static void Increment(ConcurrentDictionary<string, long> counts, string key) =>
        counts.AddOrUpdate(key, 1, static (_, n) => n + 1);

    public SimulationJson ToJson(int users, int devices, int connected, double seconds, double targetRate)
    {
        var h = ReportIntendedLatency ? IntendedLatencyMicros : LatencyMicros;
        double? Ms(long micros) => h.Count == 0 ? null : micros / 1000.0;
        var latency = new LatencyJson(h.Count, Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(99)), Ms(h.ValueAtPercentile(99.9)),
            Ms(h.Max), h.Count == 0 ? null : h.Mean / 1000.0);

        return new SimulationJson(
            users,
            devices,
            connected,
            Sorted(ConnectFailures),
            Published,
            Acked,
            Sorted(RefusedByReason),
            Failed,
            Sorted(PublishFailures),
            ReadingsPublished,
            ReadingsAcked,
            ReadingsDropped,
            ErrorsReceived,
            Sorted(ErrorsByReason),
            Reconnects,
            Math.Round(seconds, 3),
            Math.Round(targetRate, 3),
            seconds > 0 ? Math.Round(Volatile.Read(ref _readingsAckedInWindow) / seconds, 3) : 0,
            latency,
            Failovers,
            Sorted(Interruptions),
            Resent,
            ReadingsResent,
            ReadingsUnackedAtStop);
    }

    private static Dictionary<string, long> Sorted(ConcurrentDictionary<string, long> counts) =>
        counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
