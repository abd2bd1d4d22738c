using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Spectre.Console;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Runs <c>osr-admin simulate</c>: plan users and devices, provision them in the cluster, connect one MQTT
/// client per device, pace readings with a few <see cref="SenderLoop"/>s until the duration ends or
/// Ctrl+C, drain outstanding PUBACKs, and report counts and publish→PUBACK latency (the silo acknowledges
/// only after the reading was applied, so this is publish-to-applied latency).
/// </summary>
public static class SimulationRunner
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(CommandContext ctx, SimulationOptions options)
    {
        var ct = ctx.CancellationToken;
        var time = ctx.Services.Time;
        var log = ctx.Error;

        var plan = SimulationPlan.Create(options);
        var devices = plan.Devices;
        var broker = await EndpointParser.ResolveAsync(options.Mqtt, ct).ConfigureAwait(false);

        await using var cluster = options.Provision ? await ctx.ConnectAsync().ConfigureAwait(false) : null;
        if (cluster is not null)
        {
            await log.WriteLineAsync($"provisioning {plan.Users.Count} users and {devices.Count} devices…").ConfigureAwait(false);
            await plan.ProvisionAsync(cluster.Grains, ct).ConfigureAwait(false);
        }
        else
        {
            foreach (var device in devices) device.Secret = SimulationOptions.UnprovisionedSecret;
        }

        var stats = new SimulationStats { ReportIntendedLatency = options.LatencyFromIntended };
        var fleet = new MqttFleet(stats, time);
        fleet.Prepare(devices, broker, options.LocalAddresses);
        await log.WriteLineAsync($"connecting {devices.Count} devices to {options.Mqtt} ({options.ConnectConcurrency} at a time)…").ConfigureAwait(false);
        var connected = await fleet.ConnectAllAsync(devices, options.ConnectConcurrency,
            n => log.WriteLine($"  {n}/{devices.Count} attempted"), ct).ConfigureAwait(false);
        if (connected == 0)
        {
            await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            var reasons = string.Join(", ", stats.ConnectFailures.Select(kv => $"{kv.Key} ×{kv.Value}"));
            throw new CliFailureException($"cannot reach the MQTT broker at {options.Mqtt}: no device could connect ({reasons}); is the silo running?");
        }

        if (connected < devices.Count)
            await log.WriteLineAsync($"{devices.Count - connected} devices failed to connect: {string.Join(", ", stats.ConnectFailures.Select(kv => $"{kv.Key} ×{kv.Value}"))}").ConfigureAwait(false);

        var rate = options.Rate ?? devices.Count;
        var slotInterval = Math.Max(1, (long)(time.TimestampFrequency * (devices.Count / rate)));
        var start = time.GetTimestamp();
        var wall = time.GetUtcNow();
        var firstSeq = wall.ToUnixTimeMilliseconds();   // keeps seq increasing across runs for the same device
        for (var i = 0; i < devices.Count; i++)
        {
            devices[i].Seq = firstSeq;
            devices[i].NextSlot = start + (long)(SimRandom.Uniform(SimRandom.Hash(options.Seed, (ulong)i, 7)) * slotInterval * options.Batch);
        }

        var mode = options.RealtimeDay ? "real-time day" : $"{DurationParser.Format(options.Cycle ?? SimulationOptions.DefaultCycle)} cycle";
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"publishing {rate:0.##} readings/s from {connected} devices ({mode}, batch {options.Batch}) {(options.Duration is { } d ? "for " + DurationParser.Format(d) : "until Ctrl+C")}")).ConfigureAwait(false);

        using var run = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (options.Duration is { } duration) run.CancelAfter(duration + (options.Warmup ?? TimeSpan.Zero));
        var measureFrom = start;
        long? measureUntil = null;
        if (options.Warmup is { } warmup)
        {
            measureFrom = start + (long)(warmup.TotalSeconds * time.TimestampFrequency);
            stats.MeasureFrom(measureFrom);
            // The window closes when publishing stops, before the loops flush partial batches (not scheduled sends).
            run.Token.Register(() =>
            {
                measureUntil = time.GetTimestamp();
                stats.MeasureUntil(measureUntil.Value);
            });
            await log.WriteLineAsync($"warm-up {DurationParser.Format(warmup)}: not counted in the summary").ConfigureAwait(false);
        }

        var loopCount = Math.Clamp(Environment.ProcessorCount, 1, 8);
        loopCount = Math.Min(loopCount, devices.Count);
        var tasks = new List<Task>();
        for (var l = 0; l < loopCount; l++)
        {
            var slice = devices.Where((_, i) => i % loopCount == l).ToArray();
            var loop = new SenderLoop(slice, fleet, stats, time, start, wall, slotInterval, options.Batch);
            tasks.Add(Task.Run(() => loop.RunAsync(run.Token), CancellationToken.None));
        }

        tasks.Add(fleet.ReconnectLoopAsync(devices, options.ConnectConcurrency, run.Token));
        if (options.Watch && cluster is not null)
        {
            var view = new WatchView(cluster.Grains, plan.Users, stats, time, start);
            tasks.Add(view.RunAsync(options.Json ? ctx.Services.ErrorConsole : ctx.Services.Console, run.Token));
        }
        else
        {
            tasks.Add(ProgressAsync(log, stats, time, start, run.Token));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var stopped = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(start, stopped);
        if (options.Warmup is not null)
        {
            var until = measureUntil ?? stopped;
            elapsed = time.GetElapsedTime(Math.Min(measureFrom, until), until);
        }

        await log.WriteLineAsync($"stopping: waiting for {fleet.InFlight} outstanding acknowledgements…").ConfigureAwait(false);
        await fleet.DrainAsync(DrainTimeout).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(500), time, CancellationToken.None).ConfigureAwait(false);   // late errors-topic messages

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"latency from intended send time: {Percentiles(stats.IntendedLatencyMicros)}; from PublishAsync (service time): {Percentiles(stats.LatencyMicros)}")).ConfigureAwait(false);
        var summary = stats.ToJson(plan.Users.Count, devices.Count, connected, elapsed.TotalSeconds, rate);
        if (options.Json) await JsonOutput.WriteAsync(ctx.Out, summary, AdminJsonContext.Default.SimulationJson).ConfigureAwait(false);
        else Render(ctx.Services.Console, summary);

        await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task ProgressAsync(TextWriter log, SimulationStats stats, TimeProvider time, long start, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ProgressInterval, time, ct).ConfigureAwait(false);
                var seconds = time.GetElapsedTime(start).TotalSeconds;
                var h = stats.LatencyMicros;
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{seconds,6:0}s] published {stats.Published:N0}, acked {stats.Acked:N0}, refused {stats.Refused:N0}, failed {stats.Failed:N0}, errors {stats.ErrorsReceived:N0}, " +
                    $"{stats.ReadingsAcked / seconds:N0} readings/s, p50 {h.ValueAtPercentile(50) / 1000.0:0.0} ms, p99 {h.ValueAtPercentile(99) / 1000.0:0.0} ms")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Run over.
        }
    }

    private static string Percentiles(LatencyHistogram h) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {h.ValueAtPercentile(50) / 1000.0:0.00} ms, p99 {h.ValueAtPercentile(99) / 1000.0:0.00} ms, p99.9 {h.ValueAtPercentile(99.9) / 1000.0:0.00} ms, max {h.Max / 1000.0:0.00} ms");

    private static void Render(IAnsiConsole console, SimulationJson s)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        static string Ms(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + " ms" : "—";

        var table = new Table().Title("Simulation").AddColumns("", "").HideHeaders();
        table.AddRow("users / devices / connected", $"{N(s.Users)} / {N(s.Devices)} / {N(s.Connected)}");
        foreach (var (reason, n) in s.ConnectFailures) table.AddRow(Markup.Escape($"connect failed: {reason}"), N(n));
        table.AddRow("duration", s.DurationSeconds.ToString("0.0 s", CultureInfo.InvariantCulture));
        table.AddRow("messages published / acked", $"{N(s.Published)} / {N(s.Acked)}");
        foreach (var (reason, n) in s.Refused) table.AddRow(Markup.Escape($"refused: {reason}"), N(n));
        foreach (var (reason, n) in s.FailuresByReason) table.AddRow(Markup.Escape($"failed: {reason}"), N(n));
        table.AddRow("readings published / acked / dropped", $"{N(s.ReadingsPublished)} / {N(s.ReadingsAcked)} / {N(s.ReadingsDropped)}");
        table.AddRow("errors-topic messages", N(s.ErrorsReceived));
        foreach (var (reason, n) in s.ErrorsByReason) table.AddRow(Markup.Escape($"  {reason}"), N(n));
        table.AddRow("reconnects", N(s.Reconnects));
        table.AddRow("rate target / achieved", string.Create(CultureInfo.InvariantCulture, $"{s.TargetRate:N1} / {s.AchievedRate:N1} readings/s"));
        table.AddRow("latency p50 / p99 / p99.9 / max", $"{Ms(s.LatencyMs.P50)} / {Ms(s.LatencyMs.P99)} / {Ms(s.LatencyMs.P999)} / {Ms(s.LatencyMs.Max)}");
        console.Write(table);
    }
}
