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
        var brokers = await options.ResolveBrokersAsync(ct).ConfigureAwait(false);

        if (options.BrokerFile is { } brokerFile) Broker.DynamicSecurityFile.CheckOption(brokerFile, devices.Select(d => d.DeviceId));
        await using var cluster = options.Provision ? await ctx.ConnectAsync().ConfigureAwait(false) : null;
        if (cluster is not null)
        {
            await log.WriteLineAsync($"provisioning {plan.Users.Count} users and {devices.Count} devices…").ConfigureAwait(false);
            await plan.ProvisionAsync(cluster.Grains, ct, brokerAccounts: options.BrokerFile is null).ConfigureAwait(false);
            await plan.ContinueSequencesAsync(cluster.Grains, 0, ct).ConfigureAwait(false);   // after an event-clock replay, seq may be ahead of the clock
            if (options.Catalog)
            {
                await DemoCatalog.EnsureAsync(cluster.Grains, World.Planted, plan.Users, options.Seed, time.GetUtcNow(), log, time,
                    ctx.Services.PollInterval, ct).ConfigureAwait(false);
            }
        }
        else
        {
            foreach (var device in devices) device.Secret = SimulationOptions.UnprovisionedSecret;
        }

        var stats = new SimulationStats
        {
            ReportIntendedLatency = options.LatencyFromIntended,
            Samples = options.LatencySamplesPath is not null && options.Duration is { } window
                ? new LatencySamples(LatencySamples.CapacityFor((options.Rate ?? devices.Count) / options.Batch, window.TotalSeconds), time)
                : null,
        };
        // Every watch of a provisioned run listens to its user's notifications (a bare broker has none to send).
        var listener = cluster is not null ? new NotificationListener(plan.Users, time) : null;
        var fleet = new MqttFleet(stats, time, listener);
        fleet.Prepare(devices, brokers, options.LocalAddresses);
        if (options.BrokerFile is { } accountsFile) await WriteBrokerAccountsAsync(accountsFile, options.BrokerWait, devices, fleet, time, log, ct).ConfigureAwait(false);
        await log.WriteLineAsync($"connecting {devices.Count} devices to {options.BrokerList} ({options.ConnectConcurrency} at a time)…").ConfigureAwait(false);
        var connected = await fleet.ConnectAllAsync(devices, options.ConnectConcurrency,
            n => log.WriteLine($"  {n}/{devices.Count} attempted"), ct).ConfigureAwait(false);
        if (connected == 0)
        {
            await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            var reasons = string.Join(", ", stats.ConnectFailures.Select(kv => $"{kv.Key} ×{kv.Value}"));
            throw new CliFailureException($"cannot reach the MQTT broker(s) at {options.BrokerList}: no device could connect ({reasons}); is the silo running?");
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
            devices[i].Seq = Math.Max(firstSeq, devices[i].Seq);
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

        // Reconnects go on while the last messages drain, so a device whose silo died just before the end still gets its
        // unacknowledged messages through another one.
        using var reconnecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reconnect = fleet.ReconnectLoopAsync(devices, options.ConnectConcurrency, reconnecting.Token);
        FeedbackResponder? responder = null;
        if (listener is not null && options.Feedback)
        {
            responder = new FeedbackResponder(fleet, World.Planted, options.Seed, time, devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal));
            tasks.Add(responder.RunAsync(listener, run.Token));
        }
        else if (listener is not null)
        {
            tasks.Add(DiscardAsync(listener, time, run.Token));
        }

        if (options.Watch && cluster is not null)
        {
            var watches = devices.Where(d => d.Kind == DeviceKind.Watch).ToDictionary(d => d.UserId, StringComparer.Ordinal);
            var view = new WatchView(cluster.Grains, plan.Users, stats, time, start, listener, fleet, watches);
            tasks.Add(view.RunAsync(options.Json ? ctx.Services.ErrorConsole : ctx.Services.Console, run.Token));
        }
        else
        {
            tasks.Add(ProgressAsync(log, stats, listener, time, start, run.Token));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var stopped = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(start, stopped);
        if (options.Warmup is not null)
        {
            var until = measureUntil ?? stopped;
            elapsed = time.GetElapsedTime(Math.Min(measureFrom, until), until);
        }

        await log.WriteLineAsync($"stopping: waiting for {fleet.InFlight + fleet.Unacked} outstanding acknowledgements…").ConfigureAwait(false);
        await fleet.DrainAsync(devices, DrainTimeout).ConfigureAwait(false);
        await reconnecting.CancelAsync().ConfigureAwait(false);
        await reconnect.ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(500), time, CancellationToken.None).ConfigureAwait(false);   // late errors-topic messages

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"latency from intended send time: {Percentiles(stats.IntendedLatencyMicros)}; from PublishAsync (service time): {Percentiles(stats.LatencyMicros)}")).ConfigureAwait(false);
        var summary = stats.ToJson(plan.Users.Count, devices.Count, connected, elapsed.TotalSeconds, rate);
        var notifications = listener is null ? null : NotificationsJson(listener, responder);
        if (options.Json) await WriteJsonAsync(ctx.Out, summary, notifications).ConfigureAwait(false);
        else Render(ctx.Services.Console, summary, notifications);

        await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return await WriteSamplesAsync(stats.Samples, options.LatencySamplesPath, log).ConfigureAwait(false);
    }

    /// <summary>With <c>--latency-samples FILE</c>, after the summary was printed (a file that cannot be written loses nothing else): exit 1 then.</summary>
    private static async Task<int> WriteSamplesAsync(LatencySamples? samples, string? path, TextWriter log)
    {
        if (samples is null || path is null) return ExitCodes.Success;
        try
        {
            await samples.WriteAsync(path, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await log.WriteLineAsync($"cannot write the latency samples to {path}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await log.WriteLineAsync($"latency samples: {samples.Count} written to {path}{(samples.Dropped > 0 ? $", {samples.Dropped} did not fit" : "")}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>With <c>--no-feedback</c>: empties the listener's queue (notifications are only counted).</summary>
    private static async Task DiscardAsync(NotificationListener listener, TimeProvider time, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                while (listener.TryDequeue(out _))
                {
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Run over.
        }
    }

    internal static SimulationNotificationsJson NotificationsJson(NotificationListener listener, FeedbackResponder? responder) => new(
        listener.Received,
        listener.Duplicates,
        listener.Malformed,
        responder?.Answered ?? 0,
        responder is null ? [] : Sorted(responder.Sent),
        responder is null ? [] : Sorted(responder.Failures),
        responder?.Dropped ?? 0);

    private static Dictionary<string, long> Sorted(IEnumerable<KeyValuePair<string, long>> counts) =>
        counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>
    /// The <c>--json</c> summary: every field of <see cref="SimulationJson"/>, plus <c>notifications</c> (received, answered,
    /// feedback by action) when the run listened for them.
    /// </summary>
    internal static async Task WriteJsonAsync(TextWriter writer, SimulationJson summary, SimulationNotificationsJson? notifications)
    {
        if (notifications is null)
        {
            await JsonOutput.WriteAsync(writer, summary, AdminJsonContext.Default.SimulationJson).ConfigureAwait(false);
            return;
        }

        var node = System.Text.Json.JsonSerializer.SerializeToNode(summary, AdminJsonContext.Default.SimulationJson)!.AsObject();
        node["notifications"] = System.Text.Json.JsonSerializer.SerializeToNode(notifications, BacktestJsonContext.Default.SimulationNotificationsJson);
        await writer.WriteLineAsync(node.ToJsonString(BacktestJsonContext.Default.Options)).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
    }

    private static async Task ProgressAsync(TextWriter log, SimulationStats stats, NotificationListener? listener, TimeProvider time, long start, CancellationToken ct)
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
                    $"{stats.ReadingsAcked / seconds:N0} readings/s, p50 {h.ValueAtPercentile(50) / 1000.0:0.0} ms, p99 {h.ValueAtPercentile(99) / 1000.0:0.0} ms{(listener is null ? "" : ", notifications " + listener.Received.ToString("N0", CultureInfo.InvariantCulture))}")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Run over.
        }
    }

    private static string Percentiles(LatencyHistogram h) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {h.ValueAtPercentile(50) / 1000.0:0.00} ms, p99 {h.ValueAtPercentile(99) / 1000.0:0.00} ms, p99.9 {h.ValueAtPercentile(99.9) / 1000.0:0.00} ms, max {h.Max / 1000.0:0.00} ms");

    private static void Render(IAnsiConsole console, SimulationJson s, SimulationNotificationsJson? notifications)
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
        table.AddRow("reconnects / to another broker", $"{N(s.Reconnects)} / {N(s.Failovers)}");
        foreach (var (reason, n) in s.Interruptions) table.AddRow(Markup.Escape($"no PUBACK, sent again: {reason}"), N(n));
        if (s.Resent > 0 || s.ReadingsUnackedAtStop > 0)
            table.AddRow("messages sent again / readings unacknowledged at stop", $"{N(s.Resent)} / {N(s.ReadingsUnackedAtStop)}");
        table.AddRow("rate target / achieved", string.Create(CultureInfo.InvariantCulture, $"{s.TargetRate:N1} / {s.AchievedRate:N1} readings/s"));
        table.AddRow("latency p50 / p99 / p99.9 / max", $"{Ms(s.LatencyMs.P50)} / {Ms(s.LatencyMs.P99)} / {Ms(s.LatencyMs.P999)} / {Ms(s.LatencyMs.Max)}");
        if (notifications is not null) AddNotificationRows(table, notifications);
        console.Write(table);
    }

    private static void AddNotificationRows(Table table, SimulationNotificationsJson n)
    {
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        long Sent(string action) => n.FeedbackSent.TryGetValue(action, out var v) ? v : 0;

        table.AddRow("notifications received", N(n.Received) + (n.Duplicates > 0 ? $" (+{N(n.Duplicates)} redelivered)" : ""));
        if (n.Answered == 0 && n.FeedbackSent.Count == 0) return;
        table.AddRow("feedback delivered / opened / converted / dismissed",
            $"{N(Sent(FeedbackEvent.Delivered))} / {N(Sent(FeedbackEvent.Opened))} / {N(Sent(FeedbackEvent.Converted))} / {N(Sent(FeedbackEvent.Dismissed))}");
        foreach (var (reason, count) in n.FeedbackFailed) table.AddRow(Markup.Escape($"  feedback failed: {reason}"), N(count));
        if (n.FeedbackDropped > 0) table.AddRow("feedback not yet due at stop", N(n.FeedbackDropped));
    }

    /// <summary>
    /// Writes the registered devices' accounts into the broker's dynamic-security file and waits until the broker, restarted
    /// by whoever runs it, accepts one device of each broker (docs/operations.md, "External broker: large fleets").
    /// </summary>
    private static async Task WriteBrokerAccountsAsync(string path, TimeSpan wait, IReadOnlyList<DeviceSimulator> devices, MqttFleet fleet, TimeProvider time,
        TextWriter log, CancellationToken ct)
    {
        var accounts = devices.Select(d => new Broker.BrokerAccountEntry(d.DeviceId, d.UserId, d.Secret!)).ToList();
        try
        {
            await Broker.DynamicSecurityFile.MergeAsync(path, accounts, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            throw new CliFailureException($"the devices are registered but their broker accounts were not written ({ex.Message}); run again to register and write them");
        }
        await log.WriteLineAsync($"wrote {accounts.Count} broker accounts to {path}; waiting up to {wait} " +
            "for the broker to accept them (it reads the file only at start: restart it)").ConfigureAwait(false);
        // One device per broker: with several brokers (restarted one after another), every one must have the accounts.
        var started = time.GetTimestamp();
        foreach (var probe in devices.DistinctBy(d => d.Broker))
        {
            var left = wait - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !await fleet.WaitUntilAcceptedAsync(probe, left, ct).ConfigureAwait(false))
                throw new CliFailureException($"the broker did not accept device '{probe.DeviceId}' within {wait} of writing {path}; was it restarted with that file?");
        }

        await log.WriteLineAsync("the broker accepts the written accounts").ConfigureAwait(false);
    }
}
