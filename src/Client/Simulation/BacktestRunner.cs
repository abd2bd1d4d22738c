using System.Collections.Concurrent;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Readings;
using Spectre.Console;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// <c>osr-admin simulate --clock event</c>: a backtest. All simulated users live their real-time days in lockstep
/// through <c>--days</c> of simulated time from <c>--start</c>, as fast as the silo (started with
/// <c>Osr:Clock=Event</c>) takes it. Each step of <c>--step</c> simulated time:
/// <list type="number">
/// <item>every device publishes its readings of the slice (one per <c>--interval</c> of simulated time, ts = simulated
/// time, seq increasing), per user in chunks of at most <see cref="Chunk"/> (watch, then phone, so a user's readings
/// arrive roughly in time order), JSON arrays of at most 300, each message awaited until its PUBACK;</item>
/// <item>the notifications those readings triggered are let in: until none arrived for <see cref="QuietWindow"/>, at
/// most <see cref="QuietCap"/>;</item>
/// <item>each is answered with feedback at event time (<see cref="FeedbackModel"/>) and recorded with the world's view
/// of it: P(accept) at the push and at <see cref="StateBlindSampler.DefaultSamples"/> state-blind times of that day.</item>
/// </list>
/// Then the summary (<see cref="BacktestReport"/>), with the cluster's decision counters as deltas over the run.
/// </summary>
public static class BacktestRunner
{
    public static readonly TimeSpan QuietWindow = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan QuietCap = TimeSpan.FromSeconds(2);

    /// <summary>Longest stretch of simulated time one message of a device covers.</summary>
    public static readonly TimeSpan Chunk = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan FinalQuiet = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FinalCap = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReconnectWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);
    private const int UserConcurrency = 256;
    private const int AnswerConcurrency = 64;
    private const ulong BlindSalt = 0xB11D_5A3FUL;

    public static async Task<int> RunAsync(CommandContext ctx, SimulationOptions options)
    {
        var ct = ctx.CancellationToken;
        var time = ctx.Services.Time;
        var log = ctx.Error;
        var world = World.Planted;
        var start = options.Start;
        var end = start + TimeSpan.FromDays(options.Days);

        // A path that cannot be written is refused before the run, not after hours of it.
        if (options.PushesPath is { } pushesFile) await WritePushesAsync(pushesFile, []).ConfigureAwait(false);
        var plan = SimulationPlan.Create(options);
        var devices = plan.Devices;
        var brokers = await options.ResolveBrokersAsync(ct).ConfigureAwait(false);

        await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
        await log.WriteLineAsync($"provisioning {plan.Users.Count} users and {devices.Count} devices…").ConfigureAwait(false);
        await plan.ProvisionAsync(cluster.Grains, ct).ConfigureAwait(false);
        if (options.Catalog)
            await DemoCatalog.EnsureAsync(cluster.Grains, world, plan.Users, options.Seed, start, log, time, ctx.Services.PollInterval, ct).ConfigureAwait(false);
        await plan.ContinueSequencesAsync(cluster.Grains, time.GetUtcNow().ToUnixTimeMilliseconds(), ct).ConfigureAwait(false);
        var before = await ReadCountersAsync(cluster.Grains, log).ConfigureAwait(false);

        var stats = new SimulationStats();
        var listener = new NotificationListener(plan.Users, time);
        var fleet = new MqttFleet(stats, time, listener);
        fleet.Prepare(devices, brokers, options.LocalAddresses);
        await log.WriteLineAsync($"connecting {devices.Count} devices to {options.BrokerList} ({options.ConnectConcurrency} at a time)…").ConfigureAwait(false);
        var connected = await fleet.ConnectAllAsync(devices, options.ConnectConcurrency, n => log.WriteLine($"  {n}/{devices.Count} attempted"), ct).ConfigureAwait(false);
        if (connected == 0)
        {
            await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            var reasons = string.Join(", ", stats.ConnectFailures.Select(kv => $"{kv.Key} ×{kv.Value}"));
            throw new CliFailureException($"cannot reach the MQTT broker(s) at {options.BrokerList}: no device could connect ({reasons}); is the silo running?");
        }

        if (connected < devices.Count)
            await log.WriteLineAsync($"{devices.Count - connected} devices failed to connect: {string.Join(", ", stats.ConnectFailures.Select(kv => $"{kv.Key} ×{kv.Value}"))}").ConfigureAwait(false);

        var responder = options.Feedback
            ? new FeedbackResponder(fleet, world, options.Seed, time, devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal))
            : null;
        var state = new Replay(options, plan, fleet, stats, time, log);
        using var background = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reconnect = fleet.ReconnectLoopAsync(devices, options.ConnectConcurrency, background.Token);

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"replaying {options.Days} day(s) from {start:yyyy-MM-dd HH:mm}Z in steps of {DurationParser.Format(options.Step)}, a reading every {DurationParser.Format(options.Interval)} of simulated time per device (the silo must run with Osr:Clock=Event)")).ConfigureAwait(false);
        var pushes = new ConcurrentBag<BacktestPush>();
        var wallStart = time.GetTimestamp();
        var lastProgress = wallStart;
        var reached = start;
        var cancelled = false;
        try
        {
            for (var t0 = start; t0 < end;)
            {
                var t1 = t0 + options.Step < end ? t0 + options.Step : end;
                await state.PublishSliceAsync(t0, t1, ct).ConfigureAwait(false);
                await listener.WaitQuietAsync(QuietWindow, QuietCap, ct).ConfigureAwait(false);
                await AnswerAsync(listener, responder, world, options.Seed, pushes, ct).ConfigureAwait(false);
                reached = t0 = t1;

                var now = time.GetTimestamp();
                var dayDone = (t1 - start).Ticks % TimeSpan.TicksPerDay == 0 || t1 == end;
                if (dayDone || time.GetElapsedTime(lastProgress, now) >= ProgressInterval)
                {
                    lastProgress = now;
                    await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"[{time.GetElapsedTime(wallStart, now).TotalSeconds,5:0}s] simulated {t1:yyyy-MM-dd HH:mm}Z ({(t1 - start).TotalDays:0.##}/{options.Days} days): readings acked {stats.ReadingsAcked:N0}, pushes {pushes.Count:N0}, quota waits {state.QuotaWaits:N0}")).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            cancelled = true;
            await log.WriteLineAsync($"stopped: the summary covers the simulated time up to {reached:yyyy-MM-dd HH:mm}Z").ConfigureAwait(false);
        }

        // Late notifications of the last slice, then the counters once the silos have reported them.
        await listener.WaitQuietAsync(FinalQuiet, FinalCap, CancellationToken.None).ConfigureAwait(false);
        await AnswerAsync(listener, responder, world, options.Seed, pushes, CancellationToken.None).ConfigureAwait(false);
        var wallSeconds = time.GetElapsedTime(wallStart).TotalSeconds;
        var after = await ReadSettledCountersAsync(cluster.Grains, before, time, log).ConfigureAwait(false);
        await background.CancelAsync().ConfigureAwait(false);
        await reconnect.ConfigureAwait(false);

        var facts = new BacktestRunFacts(
            start,
            reached,
            options.Days,
            [.. plan.Users.Select(u => new BacktestUser(u.UserId, Models.Features.UserTimeZones.Resolve(u.Traits.TimeZoneId), u.Traits.Segment))],
            devices.Count,
            options.Step,
            options.Interval,
            options.Seed,
            StateBlindSampler.DefaultSamples,
            new BacktestReadingsJson(stats.ReadingsPublished, stats.ReadingsAcked, stats.ReadingsDropped, stats.Published, stats.Acked,
                Sorted(stats.RefusedByReason), stats.Failed, Sorted(stats.PublishFailures), state.QuotaWaits),
            Feedback(responder, pushes.Count),
            before,
            after,
            wallSeconds);
        var ordered = pushes.OrderBy(p => p.Ts).ThenBy(p => p.UserId, StringComparer.Ordinal).ThenBy(p => p.ItemId, StringComparer.Ordinal).ToList();
        var report = BacktestReport.Build(facts, ordered);
        if (options.Json) await JsonOutput.WriteAsync(ctx.Out, report, BacktestJsonContext.Readable.BacktestJson).ConfigureAwait(false);
        else Render(ctx.Services.Console, report, listener.Duplicates, responder is not null);
        if (options.PushesPath is { } pushesPath) await WritePushesAsync(pushesPath, ordered).ConfigureAwait(false);

        await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return cancelled ? ExitCodes.Failure : ExitCodes.Success;
    }

    /// <summary>Writes <see cref="BacktestReport.PushesCsv"/> to <paramref name="path"/> (<c>--pushes FILE</c>).</summary>
    private static async Task WritePushesAsync(string path, IReadOnlyList<BacktestPush> pushes)
    {
        try
        {
            await File.WriteAllTextAsync(path, BacktestReport.PushesCsv(pushes)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"--pushes: cannot write '{path}': {e.Message}");
        }
    }

    /// <summary>Answers (or, with <c>--no-feedback</c>, only plans) every queued notification and records it as a push.</summary>
    private static async Task AnswerAsync(
        NotificationListener listener, FeedbackResponder? responder, World world, ulong seed, ConcurrentBag<BacktestPush> pushes, CancellationToken ct)
    {
        var received = new List<ReceivedNotification>();
        while (listener.TryDequeue(out var n)) received.Add(n);
        if (received.Count == 0) return;
        await Parallel.ForEachAsync(received, new ParallelOptions { MaxDegreeOfParallelism = AnswerConcurrency, CancellationToken = ct }, async (n, token) =>
        {
            var plan = responder is not null
                ? await responder.AnswerAsync(n, token).ConfigureAwait(false)
                : FeedbackModel.Plan(world, n, seed);
            pushes.Add(Record(world, seed, n, plan));
        }).ConfigureAwait(false);
    }

    /// <summary>A received notification with the world's view: P(accept) at its ts and its state-blind mean.</summary>
    public static BacktestPush Record(World world, ulong seed, ReceivedNotification n, FeedbackPlan plan)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(plan);
        var script = n.User.Script;
        var zone = Models.Features.UserTimeZones.Resolve(n.User.Traits.TimeZoneId);
        var day = StateBlindSampler.LocalDay(n.Ts, zone);
        Span<DateTimeOffset> times = stackalloc DateTimeOffset[StateBlindSampler.DefaultSamples];
        StateBlindSampler.Sample(day, zone, SimRandom.Hash(FeedbackModel.Key(seed, n.User.Index, n.Ts, n.ItemId), BlindSalt), times);
        var blind = 0.0;
        foreach (var t in times) blind += world.Probability(script, n.Category, t);
        blind /= times.Length;
        var localHour = TimeZoneInfo.ConvertTime(n.Ts, zone).Hour;
        return new BacktestPush(n.User.UserId, n.ItemId, n.Category, n.Ts, n.State, day, localHour, n.Osr, plan.Probability, blind, plan.Opened, plan.Converted,
            World.TrueLabel(script, n.Ts).Name());
    }

    private static BacktestFeedbackJson Feedback(FeedbackResponder? responder, int pushes)
    {
        if (responder is null) return new BacktestFeedbackJson(0, 0, 0, 0, 0, []);
        long Sent(string action) => responder.Sent.TryGetValue(action, out var n) ? n : 0;
        return new BacktestFeedbackJson(responder.Answered, Sent(FeedbackEvent.Delivered), Sent(FeedbackEvent.Opened), Sent(FeedbackEvent.Converted),
            Sent(FeedbackEvent.Dismissed), Sorted(responder.Failures));
    }

    private static async Task<CounterSet?> ReadCountersAsync(IGrainFactory grains, TextWriter log)
    {
        try
        {
            return (await grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync().ConfigureAwait(false)).Totals;
        }
        catch (Exception ex)
        {
            await log.WriteLineAsync($"warning: cannot read the cluster's counters ({ex.GetBaseException().Message}); decisions are not reported").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// The counters once the silos have reported the run's last decisions (they report about once a second): read every
    /// second until the decision and notification counters stop changing, at most 8 s.
    /// </summary>
    private static async Task<CounterSet?> ReadSettledCountersAsync(IGrainFactory grains, CounterSet? before, TimeProvider time, TextWriter log)
    {
        if (before is null) return null;
        CounterSet? previous = null;
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.2), time).ConfigureAwait(false);
            var current = await ReadCountersAsync(grains, log).ConfigureAwait(false);
            if (current is null) return null;
            if (previous is not null && Fingerprint(previous) == Fingerprint(current)) return current;
            previous = current;
        }

        return previous;
    }

    private static string Fingerprint(CounterSet counters) => string.Join(";", counters.Counters
        .Where(kv => kv.Key.StartsWith("decisions.", StringComparison.Ordinal) || kv.Key.StartsWith(CounterNames.NotificationsPrefix, StringComparison.Ordinal))
        .OrderBy(kv => kv.Key, StringComparer.Ordinal)
        .Select(kv => $"{kv.Key}={kv.Value}"));

    private static Dictionary<string, long> Sorted(IEnumerable<KeyValuePair<string, long>> counts) =>
        counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    // ---- publishing ----

    /// <summary>The per-device replay state: each device's next reading slot (UTC ticks) and the lockstep publishing.</summary>
    private sealed class Replay
    {
        private readonly SimulationOptions _options;
        private readonly MqttFleet _fleet;
        private readonly SimulationStats _stats;
        private readonly TimeProvider _time;
        private readonly TextWriter _log;
        private readonly DeviceSimulator[][] _byUser;
        private readonly Dictionary<DeviceSimulator, int> _index;
        private readonly long[] _nextSlot;
        private readonly ConcurrentBag<PooledReadingSerializer> _serializers = [];
        private long _quotaWaits;
        private int _quotaHintShown;

        public Replay(SimulationOptions options, SimulationPlan plan, MqttFleet fleet, SimulationStats stats, TimeProvider time, TextWriter log)
        {
            _options = options;
            _fleet = fleet;
            _stats = stats;
            _time = time;
            _log = log;
            var devices = plan.Devices;
            _index = new Dictionary<DeviceSimulator, int>(devices.Count, ReferenceEqualityComparer.Instance);
            _nextSlot = new long[devices.Count];
            var interval = options.Interval.Ticks;
            for (var i = 0; i < devices.Count; i++)
            {
                _index[devices[i]] = i;
                // Each device's slots are phase-shifted by a whole number of milliseconds within one interval.
                var phase = (long)(SimRandom.Uniform(SimRandom.Hash(options.Seed, (ulong)i, 7)) * (interval / TimeSpan.TicksPerMillisecond)) * TimeSpan.TicksPerMillisecond;
                _nextSlot[i] = options.Start.UtcTicks + phase;
            }

            var byUserId = devices.GroupBy(d => d.UserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(d => d.Kind).ToArray(), StringComparer.Ordinal);
            _byUser = [.. plan.Users.Select(u => byUserId.TryGetValue(u.UserId, out var ds) ? ds : [])];
        }

        public long QuotaWaits => Volatile.Read(ref _quotaWaits);

        /// <summary>Publishes every device's readings with ts in [<paramref name="from"/>, <paramref name="to"/>) and waits for every PUBACK.</summary>
        public Task PublishSliceAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
            Parallel.ForEachAsync(_byUser, new ParallelOptions { MaxDegreeOfParallelism = UserConcurrency, CancellationToken = ct },
                async (devices, token) => await PublishUserAsync(devices, from, to, token).ConfigureAwait(false));

        private async Task PublishUserAsync(DeviceSimulator[] devices, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
        {
            if (!_serializers.TryTake(out var serializer)) serializer = new PooledReadingSerializer();
            var scratch = new Reading[SimulationOptions.MaxReadingsPerMessage];
            try
            {
                for (var c0 = from; c0 < to;)
                {
                    var c1 = c0 + Chunk < to ? c0 + Chunk : to;
                    foreach (var d in devices) await PublishDeviceAsync(d, c1.UtcTicks, scratch, serializer, ct).ConfigureAwait(false);
                    c0 = c1;
                }
            }
            finally
            {
                _serializers.Add(serializer);
            }
        }

        /// <summary>Publishes the device's readings of every slot before <paramref name="untilTicks"/>, ≤ 300 per message, in order.</summary>
        private async Task PublishDeviceAsync(DeviceSimulator d, long untilTicks, Reading[] scratch, PooledReadingSerializer serializer, CancellationToken ct)
        {
            var i = _index[d];
            var interval = _options.Interval.Ticks;
            var n = 0;
            while (_nextSlot[i] < untilTicks)
            {
                var ts = new DateTimeOffset(_nextSlot[i], TimeSpan.Zero);
                var seq = ++d.Seq;
                _nextSlot[i] += interval;
                if (DeviceSimulator.TryCreateReading(d.Script.Sample(ts), d.Kind, d.Seed, seq, ts, out var reading)) scratch[n++] = reading;
                if (n == scratch.Length)
                {
                    await SendAsync(d, scratch, n, serializer, ct).ConfigureAwait(false);
                    n = 0;
                }
            }

            if (n > 0) await SendAsync(d, scratch, n, serializer, ct).ConfigureAwait(false);
        }

        /// <summary>One message, awaited; re-sent after a back-off while the silo refuses it for the per-device quota or the device reconnects.</summary>
        private async Task SendAsync(DeviceSimulator d, Reading[] scratch, int n, PooledReadingSerializer serializer, CancellationToken ct)
        {
            var quota = new QuotaBackoff(_time);
            var reconnectStarted = (long?)null;
            while (true)
            {
                var (buffer, length) = serializer.Serialize(scratch.AsSpan(0, n));
                var outcome = await _fleet.PublishAndWaitAsync(d, buffer, length, n, ct).ConfigureAwait(false);
                switch (outcome)
                {
                    case PublishOutcome.QuotaExceeded:
                        if (Interlocked.Exchange(ref _quotaHintShown, 1) == 0)
                        {
                            await _log.WriteLineAsync(
                                "note: the silo's per-device quota (Osr:Ingest:MaxReadingsPerSecond, default 50/s) paces this replay; for full speed start the silo with " +
                                "--Osr:Ingest:MaxReadingsPerSecond=100000 --Osr:Ingest:Burst=1000000").ConfigureAwait(false);
                        }

                        if (await quota.WaitAsync(ct).ConfigureAwait(false))
                        {
                            Interlocked.Increment(ref _quotaWaits);
                            continue;
                        }

                        _stats.OnPublished(n);
                        _stats.OnRefused("quota exceeded");
                        return;
                    case PublishOutcome.Disconnected when !d.Refused:
                        reconnectStarted ??= _time.GetTimestamp();
                        if (_time.GetElapsedTime(reconnectStarted.Value) < ReconnectWait)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, ct).ConfigureAwait(false);
                            continue;
                        }

                        _stats.OnDropped(n);
                        return;
                    case PublishOutcome.Disconnected:
                        _stats.OnDropped(n);
                        return;
                    default:
                        return;
                }
            }
        }
    }

    // ---- the table ----

    /// <summary>The human summary of a backtest (<paramref name="duplicates"/>: redelivered notifications; <paramref name="feedback"/>: whether feedback was sent).</summary>
    internal static void Render(IAnsiConsole console, BacktestJson r, long duplicates, bool feedback)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        static string F(double? v, string format = "0.000") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
        static string Pct(double? v) => v is { } x ? (100 * x).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

        var table = new Table().Title("Backtest (event clock)").AddColumns("", "").HideHeaders();
        table.AddRow("simulated", Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{r.Start:yyyy-MM-dd HH:mm}Z → {r.End:yyyy-MM-dd HH:mm}Z ({r.Days} day(s), step {r.Step}, a reading every {r.Interval}) in {r.WallSeconds:0.0} s")));
        table.AddRow("users / devices", $"{N(r.Users)} / {N(r.Devices)}");
        table.AddRow("readings published / acked / dropped", $"{N(r.Readings.Published)} / {N(r.Readings.Acked)} / {N(r.Readings.Dropped)}");
        table.AddRow("messages published / acked", $"{N(r.Readings.Messages)} / {N(r.Readings.MessagesAcked)}");
        foreach (var (reason, n) in r.Readings.Refused) table.AddRow(Markup.Escape($"  refused: {reason}"), N(n));
        foreach (var (reason, n) in r.Readings.FailuresByReason) table.AddRow(Markup.Escape($"  failed: {reason}"), N(n));
        if (r.Readings.QuotaWaits > 0) table.AddRow("quota waits (re-sent)", N(r.Readings.QuotaWaits));

        var p = r.Pushes;
        table.AddRow("pushes received", N(p.Total) + (duplicates > 0 ? $" (+{N(duplicates)} redelivered)" : ""));
        table.AddRow("pushes per user per 24 h (mean)", F(p.PerUserPerDay.Mean));
        table.AddRow("pushes per user per local day (max)", N(p.PerUserPerDay.Max));
        table.AddRow(Markup.Escape($"  local user-days with 0 / 1 / 2 / 3 / >3 pushes (of {N(p.PerUserPerDay.UserDays)}, partial days included)"),
            string.Join(" / ", BacktestReport.DistributionKeys.Select(k => N(p.PerUserPerDay.Distribution[k]))));

        if (r.Decisions is { } d)
        {
            table.AddRow("decisions sent / explored", $"{N(d.Sent)} / {N(d.Explored)}");
            foreach (var (rule, n) in d.Suppressed) table.AddRow(Markup.Escape($"  suppressed: {rule}"), N(n));
        }
        else
        {
            table.AddRow("decisions", "— (counters not available)");
        }

        if (r.Notifications is { } c)
            table.AddRow("cluster notifications sent / delivered / opened / converted / dismissed",
                $"{N(c.Sent)} / {N(c.Delivered)} / {N(c.Opened)} / {N(c.Converted)} / {N(c.Dismissed)}");
        table.AddRow("feedback sent: delivered / opened / converted / dismissed", !feedback
            ? "— (--no-feedback)"
            : $"{N(r.Feedback.Delivered)} / {N(r.Feedback.Opened)} / {N(r.Feedback.Converted)} / {N(r.Feedback.Dismissed)}");
        foreach (var (reason, n) in r.Feedback.Failed) table.AddRow(Markup.Escape($"  feedback failed: {reason}"), N(n));
        table.AddRow("conversion per push / opened per push", $"{Pct(r.Conversion.PerPush)} / {Pct(r.Conversion.OpenedPerPush)}");
        table.AddRow("pushes by label at decision", Markup.Escape(p.ByLabel.Count == 0 ? "—" : string.Join(", ", p.ByLabel.Select(kv => $"{kv.Key} {N(kv.Value)}"))));
        table.AddRow("pushes by category", Markup.Escape(p.ByCategory.Count == 0 ? "—" : string.Join(", ", p.ByCategory.Select(kv => $"{kv.Key} {N(kv.Value)}"))));
        table.AddRow("pushes by local hour", Markup.Escape(p.Total == 0 ? "—" : string.Join(" ", p.ByLocalHour.Select((n, h) => (n, h)).Where(x => x.n > 0)
            .Select(x => $"{x.h:00}h:{N(x.n)}"))));
        var s = r.StateBlind;
        table.AddRow(Markup.Escape("E[conversion | OSR times]"), F(s.Osr, "0.0000"));
        table.AddRow(Markup.Escape($"E[conversion | state-blind] ({s.Samples} waking times per push)"), F(s.StateBlind, "0.0000"));
        table.AddRow("ratio OSR / state-blind", s.Ratio is { } ratio ? $"[bold]{ratio.ToString("0.00", CultureInfo.InvariantCulture)}×[/]" : "—");
        if (r.ByDay is { Count: > 0 } days)
            table.AddRow("per day: conversion per push, ratio", Markup.Escape(string.Join("; ", days.Select(x =>
                $"d{x.Day} {Pct(x.ConversionPerPush)}, {(x.Ratio is { } q ? q.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—")}"))));
        if (r.Segments is { } seg)
        {
            foreach (var (name, v) in seg.BySegment)
                table.AddRow(Markup.Escape($"  segment {name}: pushes / conversion per push / ratio"),
                    Markup.Escape($"{N(v.Pushes)} / {Pct(v.ConversionPerPush)} / {(v.Ratio is { } q ? q.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—")}"));
            table.AddRow("per-segment conversion gap", Pct(seg.Gap));
        }
        console.Write(table);
        // The headline of a learning run: how the learned timing compares with state-blind timing.
        if (s.Ratio is { } headline)
            console.Write(new Panel(new Markup(string.Create(CultureInfo.InvariantCulture,
                    $"[bold]OSR timing converts {headline:0.00}× as well as state-blind timing[/] (E[[conversion]] {s.Osr:0.000} vs {s.StateBlind:0.000}; {Pct(r.Conversion.PerPush)} of {N(p.Total)} pushes converted)")))
                .Header("learned timing"));
    }
}
