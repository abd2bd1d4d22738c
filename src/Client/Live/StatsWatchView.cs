using System.Globalization;
using Osr.Orleans.Client.Commands;
using Osr.Orleans.Client.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Osr.Orleans.Client.Live;

/// <summary>One row of the live counters table: a section, a counter and its value as shown.</summary>
public readonly record struct StatsRow(string Section, string Name, string Value);

/// <summary>One bar of the decisions chart: an outcome (sent, or suppressed by a rule) and its count.</summary>
public readonly record struct OutcomeBar(string Outcome, long Count);

/// <summary>
/// <c>stats --watch</c>: the counters as one table (<see cref="Rows"/>) beside a bar chart of the decisions by outcome
/// (<see cref="Outcomes"/>), redrawn on every update; <see cref="Line"/> is the plain form for output that is not a terminal.
/// </summary>
public static class StatsWatchView
{
    /// <summary>The headline counters of <paramref name="s"/>, in display order; rates as percentages ("—" when unknown).</summary>
    public static IReadOnlyList<StatsRow> Rows(StatsJson s)
    {
        var rows = new List<StatsRow>
        {
            new("readings", "accepted", N(s.Readings.Accepted)),
            new("readings", "duplicate", N(s.Readings.Duplicate)),
        };
        foreach (var (reason, n) in s.Readings.Rejected.OrderBy(r => r.Key, StringComparer.Ordinal)) rows.Add(new("readings", $"rejected: {reason}", N(n)));
        rows.Add(new("decisions", "sent", N(s.Decisions.Sent)));
        rows.Add(new("decisions", "of which explored", N(s.Decisions.Explored)));
        rows.Add(new("decisions", "suppressed", N(s.Decisions.Suppressed.Values.Sum())));
        rows.Add(new("notifications", "sent", N(s.Notifications.Sent)));
        rows.Add(new("notifications", "delivered", N(s.Notifications.Delivered)));
        rows.Add(new("notifications", "opened", N(s.Notifications.Opened)));
        rows.Add(new("notifications", "converted", N(s.Notifications.Converted)));
        rows.Add(new("notifications", "open rate", StatsCommands.Pct(s.OpenRate.Overall)));
        rows.Add(new("notifications", "conversion", StatsCommands.Pct(s.Conversion.Overall)));
        rows.Add(new("push", "webhook queued", N(s.Push.Webhook.Queued)));
        foreach (var silo in s.SiloHealth)
            rows.Add(new("silo " + silo.Silo, "users / devices / MQTT", $"{N(silo.ActiveUsers)} / {N(silo.ActiveDevices)} / {N(silo.MqttConnections)}"));
        return rows;
    }

    /// <summary>Decisions by outcome: <c>sent</c>, then each suppressing rule (ordinal order), zero counts left out.</summary>
    public static IReadOnlyList<OutcomeBar> Outcomes(StatsJson s)
    {
        var bars = new List<OutcomeBar>();
        if (s.Decisions.Sent > 0) bars.Add(new("sent", s.Decisions.Sent));
        foreach (var (rule, n) in s.Decisions.Suppressed.OrderBy(r => r.Key, StringComparer.Ordinal))
            if (n > 0) bars.Add(new(rule, n));
        return bars;
    }

    public static IRenderable Render(StatsJson s, int updates)
    {
        var table = new Table().AddColumns("section", "counter").AddColumn(new TableColumn("value").RightAligned());
        foreach (var row in Rows(s)) table.AddRow(Markup.Escape(row.Section), Markup.Escape(row.Name), Markup.Escape(row.Value));
        var header = new Markup(Markup.Escape(
            $"Cluster counters since {Stamp(s.Since)}, as of {Stamp(s.AsOf)} (update {updates}; Ctrl+C to stop)"));
        var bars = Outcomes(s);
        IRenderable chart = bars.Count == 0
            ? new Markup("Decisions by outcome: none yet")
            : new BarChart().Label("Decisions by outcome").Width(60)
                .AddItems(bars, b => new BarChartItem(b.Outcome, b.Count, b.Outcome == "sent" ? Color.Green : Color.Yellow));
        return new Rows(header, table, chart);
    }

    /// <summary>One update as a plain line.</summary>
    public static string Line(StatsJson s)
    {
        var outcomes = string.Join(" ", Outcomes(s).Select(b => $"{b.Outcome}={b.Count.ToString(CultureInfo.InvariantCulture)}"));
        return $"{Stamp(s.AsOf)} readings accepted={s.Readings.Accepted} duplicate={s.Readings.Duplicate} rejected={s.Readings.Rejected.Values.Sum()} " +
               $"decisions {(outcomes.Length == 0 ? "none" : outcomes)} notifications sent={s.Notifications.Sent} opened={s.Notifications.Opened} " +
               $"converted={s.Notifications.Converted} conversion={StatsCommands.Pct(s.Conversion.Overall)} {StatsCommands.IngestLagLine(s.Ingest.LagMs)}";
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
