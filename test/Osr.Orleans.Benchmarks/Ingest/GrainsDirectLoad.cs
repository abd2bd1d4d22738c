using System.Diagnostics;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// <c>ingest grains-direct-load --gateway HOST:PORT --users N --rate R --warmup T --duration T [--prefix P]</c>
/// (a child process of <c>ingest grains-direct</c>): the grain path without MQTT, for user counts that
/// cannot be connected over MQTT from one process. As an Orleans client it registers one watch per
/// simulated user (<see cref="IDeviceGrain.RegisterAsync"/>, which activates the device's and the user's
/// grains), pauses so the driver can read the silo's memory, then calls <see cref="IUserStateGrain.IngestAsync"/>
/// for every device at an aggregate rate R with the simulator's pacing rules (slots phase-shifted per device,
/// a tick grid, at most one call in flight per device — due readings are batched into the next call),
/// readings from the simulator's sensor model, and latency from the intended send time. Writes the
/// simulator's JSON summary (<see cref="SimulationJson"/>) to stdout.
/// </summary>
internal static class GrainsDirectLoad
{
    private const int RegisterConcurrency = 128;
    private static readonly TimeSpan PauseAfterRegistration = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var a = Args.Parse(args);
        if (!EndpointParser.TryParse(a.Get("--gateway"), out var gateway, out var error))
        {
            await Console.Error.WriteLineAsync($"--gateway: {error}").ConfigureAwait(false);
            return 2;
        }

        var users = a.GetInt("--users", 100_000);
        var rate = a.GetDouble("--rate", users / 10.0);
        var warmup = a.GetDuration("--warmup", TimeSpan.FromSeconds(10));
        var duration = a.GetDuration("--duration", TimeSpan.FromSeconds(60));
        var prefix = a.Get("--prefix") ?? "gd";
        var time = TimeProvider.System;
        var log = Console.Error;

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        await using var cluster = await new OrleansClusterConnectionFactory()
            .ConnectAsync(new ClusterTarget(ClusterMode.Static, gateway.Port, gateway, null), verbose: false, stop.Token).ConfigureAwait(false);

        var plan = SimulationPlan.Create(new SimulationOptions { Users = users, Prefix = prefix, Seed = 1 });
        var devices = plan.Devices.Where(d => d.Kind == DeviceKind.Watch).ToArray();   // one device per user
        var watch = Stopwatch.StartNew();
        var failures = 0;
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = RegisterConcurrency, CancellationToken = stop.Token },
            async (d, _) =>
            {
                var result = await cluster.Grains.GetGrain<IDeviceGrain>(d.DeviceId).RegisterAsync(d.UserId, d.KindName).ConfigureAwait(false);
                if (!result.Ok) Interlocked.Increment(ref failures);
            }).ConfigureAwait(false);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"registered {devices.Length - failures} devices of {devices.Length} users in {watch.Elapsed.TotalSeconds:0.0} s ({devices.Length / watch.Elapsed.TotalSeconds:N0}/s), {failures} failed")).ConfigureAwait(false);
        if (failures == devices.Length) return 1;
        await Task.Delay(PauseAfterRegistration, time, stop.Token).ConfigureAwait(false);

        var stats = new SimulationStats { ReportIntendedLatency = true };
        var pacer = new DirectPacer(cluster.Grains, devices, stats, time, rate);
        var measureFrom = pacer.Start + (long)(warmup.TotalSeconds * time.TimestampFrequency);
        stats.MeasureFrom(measureFrom);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"publishing {rate:0.##} readings/s from {devices.Length} devices (grain calls, no MQTT), warm-up {warmup.TotalSeconds:0} s, then {duration.TotalSeconds:0} s")).ConfigureAwait(false);

        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        run.CancelAfter(warmup + duration);
        var loops = Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 8))
            .Select(l => Task.Run(() => pacer.RunAsync(l, Math.Clamp(Environment.ProcessorCount, 1, 8), run.Token), CancellationToken.None)).ToArray();
        await Task.WhenAll(loops).ConfigureAwait(false);
        var stopped = time.GetTimestamp();
        stats.MeasureUntil(stopped);
        var drain = Stopwatch.StartNew();
        while (pacer.InFlight > 0 && drain.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"latency from intended send time: {Percentiles(stats.IntendedLatencyMicros)}; from the call (service time): {Percentiles(stats.LatencyMicros)}")).ConfigureAwait(false);
        var summary = stats.ToJson(users, devices.Length, devices.Length - failures, time.GetElapsedTime(Math.Min(measureFrom, stopped), stopped).TotalSeconds, rate);
        await JsonOutput.WriteAsync(Console.Out, summary, AdminJsonContext.Default.SimulationJson).ConfigureAwait(false);
        return 0;
    }

    private static string Percentiles(LatencyHistogram h) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {h.ValueAtPercentile(50) / 1000.0:0.00} ms, p99 {h.ValueAtPercentile(99) / 1000.0:0.00} ms, p99.9 {h.ValueAtPercentile(99.9) / 1000.0:0.00} ms, max {h.Max / 1000.0:0.00} ms");

    /// <summary>Paces <see cref="IUserStateGrain.IngestAsync"/> calls: the simulator's slot and tick rules, grain calls instead of MQTT publishes.</summary>
    private sealed class DirectPacer
    {
        private readonly DeviceSimulator[] _devices;
        private readonly IUserStateGrain[] _grains;
        private readonly SimulationStats _stats;
        private readonly TimeProvider _time;
        private readonly long _slotInterval;
        private readonly long _tick;
        private readonly DateTimeOffset _wall;
        private int _inFlight;

        public DirectPacer(IGrainFactory factory, DeviceSimulator[] devices, SimulationStats stats, TimeProvider time, double rate)
        {
            _devices = devices;
            _grains = [.. devices.Select(d => factory.GetGrain<IUserStateGrain>(d.UserId))];
            _stats = stats;
            _time = time;
            _slotInterval = Math.Max(1, (long)(time.TimestampFrequency * (devices.Length / rate)));
            _tick = Math.Max(time.TimestampFrequency / 1000, Math.Min(time.TimestampFrequency / 100, _slotInterval / 2));
            Start = time.GetTimestamp();
            _wall = time.GetUtcNow();
            var firstSeq = _wall.ToUnixTimeMilliseconds();
            for (var i = 0; i < devices.Length; i++)
            {
                devices[i].Seq = firstSeq;
                devices[i].NextSlot = Start + (long)(SimRandom.Uniform(SimRandom.Hash(1, (ulong)i, 7)) * _slotInterval);
                devices[i].MarkConnected(true);
            }
        }

        public long Start { get; }
        public int InFlight => Volatile.Read(ref _inFlight);

        public async Task RunAsync(int loop, int loops, CancellationToken ct)
        {
            var scratch = new Reading[SimulationOptions.MaxReadingsPerMessage];
            long k = 0;
            while (!ct.IsCancellationRequested)
            {
                var now = _time.GetTimestamp();
                for (var i = loop; i < _devices.Length; i += loops) PublishIfDue(i, now, scratch);
                k = Math.Max(k + 1, (now - Start) / _tick + 1);
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), Start + k * _tick);
                if (wait <= TimeSpan.Zero) continue;
                try
                {
                    await Task.Delay(wait, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        private void PublishIfDue(int i, long now, Reading[] scratch)
        {
            var d = _devices[i];
            if (d.NextSlot > now || !d.TryBeginPublish()) return;
            var due = (now - d.NextSlot) / _slotInterval + 1;
            if (due > scratch.Length)
            {
                var skip = due - scratch.Length;
                d.NextSlot += skip * _slotInterval;
                d.Seq += skip;
                if (_stats.Measures(now)) _stats.OnDropped(skip);
                due = scratch.Length;
            }

            var ticks = d.NextSlot <= Start ? 0 : (d.NextSlot - Start + _tick - 1) / _tick;
            var intended = Math.Min(now, Start + ticks * _tick);
            var n = 0;
            for (var j = 0; j < due; j++)
            {
                var seq = ++d.Seq;
                var ts = _wall + _time.GetElapsedTime(Start, d.NextSlot + j * _slotInterval);
                if (DeviceSimulator.TryCreateReading(d.Script.Sample(ts), d.Kind, d.Seed, seq, ts, out var reading)) scratch[n++] = reading;
            }

            d.NextSlot += due * _slotInterval;
            if (n == 0)
            {
                d.EndPublish();
                return;
            }

            Interlocked.Increment(ref _inFlight);
            var measured = _stats.Measures(intended);
            if (measured) _stats.OnPublished(n);
            _ = CallAsync(d, _grains[i], scratch.AsSpan(0, n).ToArray(), intended, measured);
        }

        private async Task CallAsync(DeviceSimulator d, IUserStateGrain grain, Reading[] readings, long intended, bool measured)
        {
            try
            {
                var started = _time.GetTimestamp();
                var result = await grain.IngestAsync(d.DeviceId, readings).ConfigureAwait(false);
                var acked = _time.GetTimestamp();
                if (!measured) return;
                if (result.Refused == RejectReason.None)
                    _stats.OnAcked(readings.Length, Micros(started, acked), Micros(Math.Min(intended, started), acked), acked);
                else _stats.OnRefused(result.Refused.Code());
            }
            catch (Exception ex)
            {
                if (measured) _stats.OnFailed(ex.GetBaseException().GetType().Name);
            }
            finally
            {
                d.EndPublish();
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private long Micros(long from, long to) => _time.GetElapsedTime(from, to).Ticks / TimeSpan.TicksPerMicrosecond;
    }
}
