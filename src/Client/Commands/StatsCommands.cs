using System.CommandLine;
using System.Globalization;
using Orleans.Runtime;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Live;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>stats</c>: the cluster-wide counters of <see cref="IStatsGrain"/>, grouped as docs/contract.md's <c>stats --json</c>.</summary>
public static class StatsCommands
{
    // Push delivery counters (the silo's push sinks, Silo/Push/PushCounterNames; the console does not reference the silo).

    private const string Sent = "sent";
    private const string Delivered = "delivered";
    private const string Opened = "opened";
    private const string Converted = "converted";
    private const string Dismissed = "dismissed";

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var watch = new Option<bool>("--watch") { Description = "Update live (a table and a chart of decisions by outcome) until Ctrl+C" };
        var command = new Command("stats", "Ingest counters, decisions by outcome and reason, pushes, conversion") { watch };
        command.SetHandler(services, global, async ctx =>
        {
            if (ctx.Get(watch)) return await WatchAsync(ctx).ConfigureAwait(false);
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var stats = await cluster.Grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync().ConfigureAwait(false);
            var json = ToJson(stats);
            if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.StatsJson).ConfigureAwait(false);
            else Render(ctx.Services.Console, json);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// <c>stats --watch</c>: the counters the stats grain publishes once a second while watched (docs/operations.md,
    /// "Live views"); with <c>--json</c> or output that is not a terminal, one line per update.
    /// </summary>
    private static async Task<int> WatchAsync(CommandContext ctx)
    {
        await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
        var grain = cluster.Grains.GetGrain<IStatsGrain>(GrainKeys.Global);
        var updates = LiveFeed.ReadAsync<ClusterStats>(cluster.LiveStreams, StreamId.Create(LiveStreams.Stats, GrainKeys.Global),
            lease => grain.WatchAsync(lease).AsTask(), ctx.Services.Time, ctx.CancellationToken);
        var count = 0;
        return await LiveCommand.RunAsync(ctx, updates, new Text("waiting for the first update… (Ctrl+C to stop)"),
            update => StatsWatchView.Render(ToJson(update), ++count),
            async update =>
            {
                if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, ToJson(update), AdminJsonContext.Default.StatsJson).ConfigureAwait(false);
                else
                {
                    await ctx.Out.WriteLineAsync(StatsWatchView.Line(ToJson(update))).ConfigureAwait(false);
                    await ctx.Out.FlushAsync().ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
    }

    public static StatsJson ToJson(ClusterStats stats)
    {
        var totals = stats.Totals;
        var counters = new SortedDictionary<string, long>(totals.Counters, StringComparer.Ordinal);

        var notifications = new NotificationStatsJson(
            totals[Notification(Sent)], totals[Notification(Delivered)], totals[Notification(Opened)],
            totals[Notification(Converted)], totals[Notification(Dismissed)]);
        var overallConversion = Rate(notifications.Converted, notifications.Sent);
        var overallOpen = Rate(notifications.Opened, notifications.Sent);

        var byModel = Breakdown(counters, CounterNames.ByModel, overallConversion, overallOpen);
        var bySegment = Breakdown(counters, CounterNames.BySegment, overallConversion, overallOpen);
        var byArm = Breakdown(counters, CounterNames.ByArm, overallConversion, overallOpen);

        return new StatsJson(
            new ReadingStatsJson(totals[CounterNames.ReadingsAccepted], totals[CounterNames.ReadingsDuplicate], WithPrefix(counters, CounterNames.ReadingsRejectedPrefix)),
            new DecisionStatsJson(totals[CounterNames.DecisionsSent], WithPrefix(counters, CounterNames.DecisionsSuppressedPrefix), totals[CounterNames.DecisionsExplored]),
            notifications,
            new ConversionJson(overallConversion, Rates(byModel, b => b.Conversion), Rates(bySegment, b => b.Conversion), Rates(byArm, b => b.Conversion)),
            Group(counters, "messages.", CounterNames.MessagesReceived, CounterNames.MessagesRefused),
            Group(counters, "connects.", CounterNames.ConnectsAccepted, CounterNames.ConnectsRefused),
            new Dictionary<string, long>(counters, StringComparer.Ordinal),
            stats.Silos,
            stats.Since,
            stats.AsOf,
            [.. stats.SiloHealth.Select(g => new SiloJson(g.SiloId, g.At, g.HeapBytes, g.WorkingSetBytes, g.ActiveUsers, g.ActiveDevices, g.MqttConnections))],
            new ConversionJson(overallOpen, Rates(byModel, b => b.OpenRate), Rates(bySegment, b => b.OpenRate), Rates(byArm, b => b.OpenRate)),
            new BreakdownsJson(byModel, bySegment, byArm),
            new PushStatsJson(
                new MqttPushJson(totals[PushCounterNames.MqttPublished], totals[PushCounterNames.MqttExpired]),
                new WebhookPushJson(totals[PushCounterNames.WebhookDelivered], totals[PushCounterNames.WebhookRetried], totals[PushCounterNames.WebhookFailed], totals[PushCounterNames.WebhookExpired], totals[PushCounterNames.WebhookQueued])),
            new IngestStatsJson(stats.IngestLag is { } lag ? new LagMsJson(lag.Count, lag.P50, lag.P99, lag.P999) : new LagMsJson(0, null, null, null)));
    }

    /// <summary><c>notifications.{event}</c>.</summary>
    private static string Notification(string @event) => CounterNames.NotificationsPrefix + @event;

    /// <summary><paramref name="part"/> / <paramref name="whole"/>, null when nothing was sent (never a made-up 0).</summary>
    private static double? Rate(long part, long whole) => whole > 0 ? (double)part / whole : null;

    private static double? Gap(double? rate, double? overall) => rate is { } r && overall is { } o ? r - o : null;

    /// <summary>
    /// Per value of one dimension (<see cref="CounterNames.ByModel"/>, <see cref="CounterNames.BySegment"/> or
    /// <see cref="CounterNames.ByArm"/>): the counters <c>notifications.{sent|opened|converted}{infix}{value}</c> and their
    /// rates. Every value seen in any of the three is listed (ordinal order).
    /// </summary>
    private static Dictionary<string, BreakdownJson> Breakdown(SortedDictionary<string, long> counters, string infix, double? overallConversion, double? overallOpen)
    {
        var sent = WithPrefix(counters, Notification(Sent) + infix, includeZero: true);
        var opened = WithPrefix(counters, Notification(Opened) + infix, includeZero: true);
        var converted = WithPrefix(counters, Notification(Converted) + infix, includeZero: true);

        var result = new Dictionary<string, BreakdownJson>(StringComparer.Ordinal);
        foreach (var value in sent.Keys.Concat(opened.Keys).Concat(converted.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var s = sent.GetValueOrDefault(value);
            var o = opened.GetValueOrDefault(value);
            var c = converted.GetValueOrDefault(value);
            var conversion = Rate(c, s);
            var open = Rate(o, s);
            result[value] = new BreakdownJson(s, o, c, conversion, open, Gap(conversion, overallConversion), Gap(open, overallOpen));
        }

        return result;
    }

    private static Dictionary<string, double?> Rates(Dictionary<string, BreakdownJson> breakdown, Func<BreakdownJson, double?> rate)
    {
        var result = new Dictionary<string, double?>(breakdown.Count, StringComparer.Ordinal);
        foreach (var (value, b) in breakdown) result[value] = rate(b);
        return result;
    }

    /// <summary>Counters named <c>{prefix}{rest}</c> (non-empty rest) as <c>rest → n</c>, only non-zero ones unless <paramref name="includeZero"/>.</summary>
    private static Dictionary<string, long> WithPrefix(SortedDictionary<string, long> counters, string prefix, bool includeZero = false)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, value) in counters)
        {
            if ((value != 0 || includeZero) && name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal))
                result[name[prefix.Length..]] = value;
        }

        return result;
    }

    /// <summary>Counters under <paramref name="prefix"/>, always including the known ones (0 when never counted).</summary>
    private static Dictionary<string, long> Group(SortedDictionary<string, long> counters, string prefix, params string[] known)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in known) result[name[prefix.Length..]] = 0;
        foreach (var (name, value) in counters)
            if (name.StartsWith(prefix, StringComparison.Ordinal)) result[name[prefix.Length..]] = value;
        return result;
    }

    private static void Render(IAnsiConsole console, StatsJson s)
    {
        console.MarkupLine(Markup.Escape($"Cluster counters since {s.Since.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z, as of {s.AsOf.ToUniversalTime():HH:mm:ss}Z, silos: {(s.Silos.Length == 0 ? "none reported" : string.Join(", ", s.Silos))}"));

        var readings = new Table().Title("Readings").AddColumns("outcome", "count");
        readings.AddRow("accepted", N(s.Readings.Accepted));
        readings.AddRow("duplicate", N(s.Readings.Duplicate));
        foreach (var (reason, n) in s.Readings.Rejected) readings.AddRow(Markup.Escape($"rejected: {reason}"), N(n));
        if (s.Readings.Rejected.Count == 0) readings.AddRow("rejected", "0");
        console.Write(readings);

        var ingress = new Table().Title("MQTT ingress").AddColumns("counter", "count");
        foreach (var (name, n) in s.Messages) ingress.AddRow(Markup.Escape($"messages {name}"), N(n));
        foreach (var (name, n) in s.Connects) ingress.AddRow(Markup.Escape($"connects {name}"), N(n));
        console.Write(ingress);
        console.MarkupLine(Markup.Escape(IngestLagLine(s.Ingest.LagMs)));

        var decisions = new Table().Title("Decisions").AddColumns(new TableColumn("outcome"), new TableColumn("count").RightAligned());
        decisions.AddRow("sent", N(s.Decisions.Sent));
        decisions.AddRow(Markup.Escape("  of which by exploration"), N(s.Decisions.Explored));
        foreach (var (rule, n) in s.Decisions.Suppressed) decisions.AddRow(Markup.Escape($"suppressed: {rule}"), N(n));
        if (s.Decisions.Suppressed.Count == 0) decisions.AddRow("suppressed", "0");
        console.Write(decisions);

        var notifications = new Table().Title("Notifications").AddColumns(new TableColumn("counter"), new TableColumn("count").RightAligned());
        notifications.AddRow("sent", N(s.Notifications.Sent));
        notifications.AddRow("delivered", N(s.Notifications.Delivered));
        notifications.AddRow("opened", N(s.Notifications.Opened));
        notifications.AddRow("converted", N(s.Notifications.Converted));
        notifications.AddRow("dismissed", N(s.Notifications.Dismissed));
        notifications.AddRow("open rate", Pct(s.OpenRate.Overall));
        notifications.AddRow("conversion", Pct(s.Conversion.Overall));
        console.Write(notifications);

        var push = new Table().Title("Push delivery").AddColumns(new TableColumn("channel"), new TableColumn("counter"), new TableColumn("count").RightAligned());
        push.AddRow("MQTT", "published", N(s.Push.Mqtt.Published));
        push.AddRow("MQTT", "expired", N(s.Push.Mqtt.Expired));
        push.AddRow("webhook", "queued", N(s.Push.Webhook.Queued));
        push.AddRow("webhook", "delivered", N(s.Push.Webhook.Delivered));
        push.AddRow("webhook", "retried", N(s.Push.Webhook.Retried));
        push.AddRow("webhook", "failed", N(s.Push.Webhook.Failed));
        push.AddRow("webhook", "expired", N(s.Push.Webhook.Expired));
        console.Write(push);

        RenderBreakdown(console, "Conversion per model version", "model", s.Breakdowns.ByModel, gaps: false);
        RenderBreakdown(console, "Conversion per segment (fairness: gap to the overall rate)", "segment", s.Breakdowns.BySegment, gaps: true);
        RenderBreakdown(console, "Conversion per A/B arm", "arm", s.Breakdowns.ByArm, gaps: false);

        var silos = new Table().Title("Silos").AddColumns("silo", "heap", "working set", "active users", "active devices", "MQTT connections");
        foreach (var g in s.SiloHealth)
            silos.AddRow(Markup.Escape(g.Silo), Mb(g.HeapBytes), Mb(g.WorkingSetBytes), N(g.ActiveUsers), N(g.ActiveDevices), N(g.MqttConnections));
        if (s.SiloHealth.Length > 0) console.Write(silos);
    }

    private static void RenderBreakdown(IAnsiConsole console, string title, string dimension, Dictionary<string, BreakdownJson> rows, bool gaps)
    {
        if (rows.Count == 0)
        {
            console.MarkupLine(Markup.Escape($"{title}: nothing sent yet."));
            return;
        }

        var table = new Table().Title(Markup.Escape(title)).AddColumn(dimension);
        foreach (var name in new[] { "sent", "opened", "converted", "open rate" }) table.AddColumn(new TableColumn(name).RightAligned());
        if (gaps) table.AddColumn(new TableColumn("gap").RightAligned());
        table.AddColumn(new TableColumn("conversion").RightAligned());
        if (gaps) table.AddColumn(new TableColumn("gap").RightAligned());

        foreach (var (value, b) in rows)
        {
            var cells = new List<string> { Markup.Escape(value), N(b.Sent), N(b.Opened), N(b.Converted), Pct(b.OpenRate) };
            if (gaps) cells.Add(Points(b.OpenRateGap));
            cells.Add(Pct(b.Conversion));
            if (gaps) cells.Add(Points(b.ConversionGap));
            table.AddRow([.. cells]);
        }

        console.Write(table);
    }

    /// <summary>"ingest lag p50/p99/p999 a/b/c ms over the last 60 s (n applied)".</summary>
    internal static string IngestLagLine(LagMsJson lag) => lag.Count == 0
        ? "ingest lag p50/p99/p999 —/—/— ms over the last 60 s (nothing applied)"
        : $"ingest lag p50/p99/p999 {Ms(lag.P50)}/{Ms(lag.P99)}/{Ms(lag.P999)} ms over the last 60 s ({N(lag.Count)} applied)";

    private static string Ms(double? ms) => ms is { } v && double.IsFinite(v) ? v.ToString(v < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) : "—";

    /// <summary>A rate as a percentage, "—" when unknown.</summary>
    internal static string Pct(double? rate) => rate is { } r && double.IsFinite(r) ? r.ToString("P1", CultureInfo.InvariantCulture) : "—";

    /// <summary>A difference of rates in percentage points, signed ("+1.2 pp"), "—" when unknown.</summary>
    internal static string Points(double? gap) =>
        gap is { } g && double.IsFinite(g) ? (g * 100).ToString("+0.0;−0.0;±0.0", CultureInfo.InvariantCulture) + " pp" : "—";

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N1", CultureInfo.InvariantCulture) + " MB";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
