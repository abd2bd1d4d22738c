using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Osr.Orleans.Benchmarks.Ingest;
using Osr.Orleans.Client.Cli;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>
/// <c>decisions probe-load --mqtt HOST:PORT[,HOST:PORT…] --devices FILE [--hz 2] [--half-period 4s] [--warmup 10s] [--duration 60s]</c>
/// (a child process of <c>decisions</c>): the latency probes. Each line of FILE is <c>deviceId,userId,secret</c>; each probe
/// device gets its own MQTT 5 connection (probe i to the (i mod n)-th of the n brokers listed), subscribes (QoS 1) to its user's <c>osr/v1/users/{userId}/notifications</c> and
/// publishes one reading every 1/hz s (QoS 1, at most one in flight: the next reading waits for the PUBACK), alternating
/// <see cref="HalfPeriod"/> of rest (hr 60, still) and of hard effort (hr 170, speed 3.2 m/s, cadence 170), each probe with
/// its own phase offset. A reading's <c>ts</c> is the wall clock when it is published, in whole milliseconds and unique per
/// probe; the monotonic time of the publish is recorded under that ts. A notification's <c>ts</c> is the event time of
/// the state the decision was made for, i.e. the ts of the last reading applied before the scoring pass: its latency is
/// arrival − publish time of that reading (same process, same monotonic clock). Only readings published inside the
/// measured window count. Writes <see cref="ProbeResult"/> as JSON on stdout; progress on stderr
/// (<c>probes connected</c>, <c>window open</c>, <c>window closed</c>: the driver brackets its CPU and GC sampling with them).
/// </summary>
internal static class ProbeLoad
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var a = Args.Parse(args);
        if (!EndpointParser.TryParseList(a.Get("--mqtt"), out var mqtt, out var error))
        {
            await Console.Error.WriteLineAsync($"--mqtt: {error}").ConfigureAwait(false);
            return 2;
        }

        var file = a.Get("--devices") ?? throw new FormatException("--devices FILE is required");
        var hz = a.GetDouble("--hz", 2);
        var halfPeriod = a.GetDuration("--half-period", TimeSpan.FromSeconds(4));
        var warmup = a.GetDuration("--warmup", TimeSpan.FromSeconds(10));
        var duration = a.GetDuration("--duration", TimeSpan.FromSeconds(60));
        var log = Console.Error;
        var lines = (await File.ReadAllLinesAsync(file).ConfigureAwait(false)).Where(l => l.Length > 0 && !l.StartsWith("deviceId", StringComparison.Ordinal)).ToArray();
        var brokers = mqtt.Select(m => new IPEndPoint(IPAddress.Parse(m.Host == "localhost" ? "127.0.0.1" : m.Host), m.Port)).ToArray();
        var probes = lines.Select((l, i) =>
        {
            var parts = l.Split(',');
            return new Probe(i, parts[0], parts[1], parts[2]);
        }).ToArray();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        var factory = new MqttClientFactory();
        var session = new ProbeSession(probes, hz, halfPeriod);
        await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = 20, CancellationToken = stop.Token },
            async (p, ct) => await session.ConnectAsync(factory, p, brokers[p.Index % brokers.Length], ct).ConfigureAwait(false)).ConfigureAwait(false);
        var connected = probes.Count(p => p.Client is { IsConnected: true });
        await log.WriteLineAsync($"probes connected: {connected} of {probes.Length}").ConfigureAwait(false);
        if (connected == 0) return 1;

        var start = Stopwatch.GetTimestamp();
        session.MeasureFrom = start + Ticks(warmup);
        session.MeasureUntil = session.MeasureFrom + Ticks(duration);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        run.CancelAfter(warmup + duration);
        var loops = probes.Where(p => p.Client is { IsConnected: true }).Select(p => Task.Run(() => session.RunAsync(p, start, run.Token))).ToList();
        _ = Task.Run(async () =>
        {
            await Task.Delay(warmup, run.Token).ConfigureAwait(false);
            await log.WriteLineAsync("window open").ConfigureAwait(false);
        }, run.Token);
        await Task.WhenAll(loops).ConfigureAwait(false);
        await log.WriteLineAsync("window closed").ConfigureAwait(false);
        await Task.Delay(Drain, CancellationToken.None).ConfigureAwait(false);   // notifications of the last readings

        var result = session.Result(duration.TotalSeconds);
        foreach (var p in probes)
        {
            if (p.Client is null) continue;
            try
            {
                if (p.Client.IsConnected) await p.Client.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or TimeoutException or OperationCanceledException)
            {
                // Leaving anyway.
            }

            p.Client.Dispose();
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"probe latency: n {result.Count}, p50 {result.P50Ms:0.00} ms, p90 {result.P90Ms:0.00} ms, p99 {result.P99Ms:0.00} ms, max {result.MaxMs:0.00} ms; " +
            $"{result.ReadingsPublished} readings, {result.NotificationsReceived} notifications ({result.Unmatched} unmatched, {result.Duplicates} duplicates)")).ConfigureAwait(false);
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(result, DecisionsJsonContext.Default.ProbeResult)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Starts <c>decisions probe-load</c> as a child process of a driver over <paramref name="brokers"/> (HOST:PORT[,…]); its progress
    /// lines go to <paramref name="log"/>. The driver awaits "window open" / "window closed" on it and then <see cref="FinishAsync"/>.
    /// </summary>
    internal static ChildProcess Start(Paths paths, string brokers, string probeFile, double hz, TimeSpan halfPeriod, TimeSpan warmup, TimeSpan window,
        TextWriter log)
    {
        string[] args =
        [
            "decisions", "probe-load", "--mqtt", brokers, "--devices", probeFile, "--hz", hz.ToString("0.###", CultureInfo.InvariantCulture),
            "--half-period", DurationParser.Format(halfPeriod), "--warmup", DurationParser.Format(warmup), "--duration", DurationParser.Format(window),
        ];
        return ChildProcess.StartDotnet("probes", paths.BenchmarkDll, args, captureStdout: true, onStderr: line => log.WriteLine("   probes | " + line));
    }

    /// <summary>Waits for the probes to exit (at most a minute, killed after that) and reads their result; an error when there is none.</summary>
    internal static async Task<(ProbeResult? Result, string? Error)> FinishAsync(ChildProcess probes, CancellationToken ct)
    {
        string? error = null;
        if (!await probes.WaitForExitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false)) error = "probes did not finish (killed)";
        else if (probes.ExitCode != 0) error = $"probes exited with {probes.ExitCode}";
        var result = ChildProcess.ParseLastJson(probes.Stdout, DecisionsJsonContext.Default.ProbeResult);
        return (result, error ?? (result is null ? "no probe result" : null));
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    internal sealed class Probe(int index, string deviceId, string userId, string secret)
    {
        public int Index { get; } = index;
        public string DeviceId { get; } = deviceId;
        public string UserId { get; } = userId;
        public string Secret { get; } = secret;
        public string ReadingsTopic { get; } = $"osr/v1/devices/{deviceId}/readings";
        public string NotificationsTopic { get; } = $"osr/v1/users/{userId}/notifications";
        public IMqttClient? Client { get; set; }

        /// <summary>Monotonic publish time (Stopwatch ticks) by the reading's ts (UTC ticks, whole milliseconds).</summary>
        public ConcurrentDictionary<long, long> Published { get; } = new();

        /// <summary>Monotonic time of the PUBACK (the reading was applied by the user's grain) by the reading's ts.</summary>
        public ConcurrentDictionary<long, long> Acked { get; } = new();

        /// <summary>Index of each reading within its rest/effort half-period (0 = first reading after the switch), by ts.</summary>
        public ConcurrentDictionary<long, int> StepOf { get; } = new();

        public long Seq { get; set; }
        public long LastTsTicks { get; set; }
    }

    private sealed class ProbeSession(Probe[] probes, double hz, TimeSpan halfPeriod)
    {
        private readonly Lock _lock = new();
        private readonly List<double> _latencies = [];
        private readonly List<int> _steps = [];
        private readonly List<(Probe Probe, long Ts, long Published, long Arrived)> _matched = [];
        private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _byState = new(StringComparer.Ordinal);
        private long _published, _publishedInWindow, _publishFailed, _received, _unmatched, _duplicates, _malformed, _errors, _lateNotInWindow;

        public long MeasureFrom { get; set; }
        public long MeasureUntil { get; set; }

        public async Task ConnectAsync(MqttClientFactory factory, Probe p, IPEndPoint broker, CancellationToken ct)
        {
            var options = factory.CreateClientOptionsBuilder()
                .WithEndPoint(broker)
                .WithClientId(p.DeviceId)
                .WithCredentials(p.DeviceId, p.Secret)
                .WithCleanSession(true)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
                .WithTimeout(TimeSpan.FromSeconds(30))
                .Build();
            var client = factory.CreateMqttClient();
            client.ApplicationMessageReceivedAsync += e =>
            {
                var arrived = Stopwatch.GetTimestamp();
                if (e.ApplicationMessage.Topic == p.NotificationsTopic) OnNotification(p, e.ApplicationMessage.Payload, arrived);
                else Interlocked.Increment(ref _errors);
                return Task.CompletedTask;
            };
            p.Client = client;
            try
            {
                var result = await client.ConnectAsync(options, ct).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    await Console.Error.WriteLineAsync($"{p.DeviceId}: CONNECT refused: {result.ResultCode}").ConfigureAwait(false);
                    return;
                }

                await client.SubscribeAsync(p.NotificationsTopic, MqttQualityOfServiceLevel.AtLeastOnce, ct).ConfigureAwait(false);
                await client.SubscribeAsync($"osr/v1/devices/{p.DeviceId}/errors", MqttQualityOfServiceLevel.AtMostOnce, ct).ConfigureAwait(false);
                p.Seq = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"{p.DeviceId}: cannot connect: {ex.Message}").ConfigureAwait(false);
            }
        }

        /// <summary>One probe: a reading every 1/hz s on a fixed grid, rest and effort alternating every half-period.</summary>
        public async Task RunAsync(Probe p, long start, CancellationToken ct)
        {
            var interval = Stopwatch.Frequency / hz;
            var half = halfPeriod.TotalSeconds * Stopwatch.Frequency;
            var offset = Hash01(p.Index, 1) * 2 * half;   // phase offset: probes switch at different moments
            var rng = new Random(p.Index * 7919 + 1);
            var buffer = new byte[256];
            for (long k = 0; !ct.IsCancellationRequested; k++)
            {
                var due = start + (long)((k + Hash01(p.Index, 2)) * interval);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                var phase = (Stopwatch.GetTimestamp() - start + offset) / half;
                var effort = ((long)phase & 1) == 1;
                var step = (int)((phase - Math.Floor(phase)) * half / interval);
                await PublishAsync(p, effort, step, rng, buffer).ConfigureAwait(false);
            }
        }

        private async Task PublishAsync(Probe p, bool effort, int step, Random rng, byte[] buffer)
        {
            // The wall clock in whole milliseconds (the notification carries ts with milliseconds), strictly increasing.
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * TimeSpan.TicksPerMillisecond + DateTimeOffset.UnixEpoch.UtcTicks;
            var ts = Math.Max(nowMs, p.LastTsTicks + TimeSpan.TicksPerMillisecond);
            p.LastTsTicks = ts;
            var seq = ++p.Seq;
            var n = Noise(rng);
            var length = effort
                ? Format(buffer, seq, ts, 170 + 2 * n, 3.2 + 0.05 * n, 170 + n, 2.5 + 0.1 * n)
                : Format(buffer, seq, ts, 60 + 2 * n, 0, 0, 0.1 + 0.02 * Math.Abs(n));
            var message = new MqttApplicationMessage
            {
                Topic = p.ReadingsTopic,
                Payload = new ReadOnlySequence<byte>(buffer, 0, length),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            };
            var published = Stopwatch.GetTimestamp();
            p.Published[ts] = published;
            p.StepOf[ts] = step;
            Interlocked.Increment(ref _published);
            if (published >= MeasureFrom && published < MeasureUntil) Interlocked.Increment(ref _publishedInWindow);
            try
            {
                var result = await p.Client!.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
                p.Acked[ts] = Stopwatch.GetTimestamp();
                if (!result.IsSuccess) Interlocked.Increment(ref _publishFailed);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or TimeoutException or InvalidOperationException)
            {
                Interlocked.Increment(ref _publishFailed);
            }
        }

        private void OnNotification(Probe p, ReadOnlySequence<byte> payload, long arrived)
        {
            Interlocked.Increment(ref _received);
            string? id, state;
            DateTimeOffset ts;
            try
            {
                var reader = new Utf8JsonReader(payload);
                using var doc = JsonDocument.ParseValue(ref reader);
                var root = doc.RootElement;
                id = root.GetProperty("notificationId").GetString();
                state = root.TryGetProperty("state", out var s) ? s.GetString() : null;
                ts = DateTimeOffset.Parse(root.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or ArgumentNullException)
            {
                Interlocked.Increment(ref _malformed);
                return;
            }

            if (id is null || !_seen.TryAdd(id, 0))
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }

            if (!p.Published.TryGetValue(ts.UtcTicks, out var published))
            {
                Interlocked.Increment(ref _unmatched);
                return;
            }

            if (published < MeasureFrom || published >= MeasureUntil)
            {
                Interlocked.Increment(ref _lateNotInWindow);
                return;
            }

            var ms = (arrived - published) * 1000.0 / Stopwatch.Frequency;
            lock (_lock)
            {
                _latencies.Add(ms);
                _matched.Add((p, ts.UtcTicks, published, arrived));
                if (p.StepOf.TryGetValue(ts.UtcTicks, out var step)) _steps.Add(step);
                var key = state ?? "?";
                _byState[key] = _byState.GetValueOrDefault(key) + 1;
            }
        }

        public ProbeResult Result(double windowSeconds)
        {
            lock (_lock)
            {
                var sorted = _latencies.Order().ToArray();
                var steps = _steps.Order().ToArray();
                var acks = _matched.Where(m => m.Probe.Acked.ContainsKey(m.Ts))
                    .Select(m => (m.Probe.Acked[m.Ts] - m.Published) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
                var afterApply = _matched.Where(m => m.Probe.Acked.ContainsKey(m.Ts))
                    .Select(m => (m.Arrived - m.Probe.Acked[m.Ts]) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
                return new ProbeResult(
                    probes.Length, probes.Count(p => p.Client is { IsConnected: true }), hz, halfPeriod.TotalSeconds, windowSeconds,
                    sorted.Length, Pct(sorted, 50), Pct(sorted, 90), Pct(sorted, 99), Pct(sorted, 99.9), sorted.Length > 0 ? sorted[^1] : null,
                    sorted.Length > 0 ? sorted.Average() : null,
                    _published, _publishedInWindow, _publishFailed, _received, _unmatched, _duplicates, _malformed, _errors, _lateNotInWindow,
                    steps.Length > 0 ? steps[steps.Length / 2] : null, steps.Length > 0 ? steps[(int)(steps.Length * 0.9)] : null,
                    new Dictionary<string, int>(_byState, StringComparer.Ordinal), Pct(acks, 50), Pct(acks, 99), Pct(afterApply, 50), Pct(afterApply, 99), sorted);
            }
        }
    }

    /// <summary>The nearest-rank percentile of sorted values; null when empty.</summary>
    internal static double? Pct(double[] sorted, double p)
    {
        if (sorted.Length == 0) return null;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static double Hash01(int i, int salt)
    {
        var x = (ulong)(i + 1) * 0x9E3779B97F4A7C15UL ^ (ulong)salt * 0xBF58476D1CE4E5B9UL;
        x ^= x >> 31;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 29;
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Roughly normal noise in [−3, 3].</summary>
    private static double Noise(Random rng) => Math.Clamp(rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5, -1.5, 1.5) * 2;

    private static int Format(byte[] buffer, long seq, long tsTicks, double hr, double speed, double cadence, double acc)
    {
        var ts = new DateTime(tsTicks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{{\"seq\":{seq},\"ts\":\"{ts}\",\"hr\":{hr:0.#},\"speed\":{speed:0.##},\"cadence\":{cadence:0.#},\"acc\":{acc:0.##}}}");
        return System.Text.Encoding.UTF8.GetBytes(text, buffer);
    }
}

/// <summary>
/// What the probes measured (latencies in ms, readings and notifications of the whole run unless "in window").
/// <see cref="PubackP50Ms"/>/<see cref="PubackP99Ms"/>: publish → PUBACK of the state-changing readings (the reading applied);
/// <see cref="AfterApplyP50Ms"/>/<see cref="AfterApplyP99Ms"/>: notification arrival − that PUBACK's arrival (negative when the
/// notification overtook the PUBACK).
/// </summary>
internal sealed record ProbeResult(
    int Probes,
    int Connected,
    double Hz,
    double HalfPeriodSeconds,
    double WindowSeconds,
    int Count,
    double? P50Ms,
    double? P90Ms,
    double? P99Ms,
    double? P999Ms,
    double? MaxMs,
    double? MeanMs,
    long ReadingsPublished,
    long ReadingsPublishedInWindow,
    long PublishFailed,
    long NotificationsReceived,
    long Unmatched,
    long Duplicates,
    long Malformed,
    long ErrorMessages,
    long OutsideWindow,
    int? StepMedian,
    int? StepP90,
    Dictionary<string, int> ByState,
    double? PubackP50Ms,
    double? PubackP99Ms,
    double? AfterApplyP50Ms,
    double? AfterApplyP99Ms,
    double[] LatenciesMs);
