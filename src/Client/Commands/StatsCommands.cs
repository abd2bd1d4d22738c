using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>stats</c>: the cluster-wide counters of <see cref="IStatsGrain"/>, grouped as CONTRACT.md's <c>stats --json</c>.</summary>
public static class StatsCommands
{
    // Counter names of later layers (decisions, pushes); read when present, zero until then.
    internal const string DecisionsSent = "decisions.sent";
    internal const string DecisionsSuppressedPrefix = "decisions.suppressed.";
    internal const string NotificationsPrefix = "notifications.";

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var command = new Command("stats", "Ingest counters, decisions by outcome and reason, pushes, conversion");
        command.SetHandler(services, global, async ctx =>
        {
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var stats = await cluster.Grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync().ConfigureAwait(false);
            var json = ToJson(stats);
            if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.StatsJson).ConfigureAwait(false);
            else Render(ctx.Services.Console, json);
            return ExitCodes.Success;
        });
        return command;
    }

    public static StatsJson ToJson(ClusterStats stats)
    {
        var totals = stats.Totals;
        var counters = new SortedDictionary<string, long>(totals.Counters, StringComparer.Ordinal);

        var notifications = new NotificationStatsJson(
            totals[NotificationsPrefix + "sent"], totals[NotificationsPrefix + "delivered"], totals[NotificationsPrefix + "opened"],
            totals[NotificationsPrefix + "converted"], totals[NotificationsPrefix + "dismissed"]);
        double? overall = notifications.Sent > 0 ? (double)notifications.Converted / notifications.Sent : null;

        return new StatsJson(
            new ReadingStatsJson(totals[CounterNames.ReadingsAccepted], totals[CounterNames.ReadingsDuplicate], WithPrefix(counters, CounterNames.ReadingsRejectedPrefix)),
            new DecisionStatsJson(totals[DecisionsSent], WithPrefix(counters, DecisionsSuppressedPrefix)),
            notifications,
            new ConversionJson(overall, [], [], []),
            Group(counters, "messages.", CounterNames.MessagesReceived, CounterNames.MessagesRefused),
            Group(counters, "connects.", CounterNames.ConnectsAccepted, CounterNames.ConnectsRefused),
            new Dictionary<string, long>(counters, StringComparer.Ordinal),
            stats.Silos,
            stats.Since,
            stats.AsOf,
            [.. stats.SiloHealth.Select(g => new SiloJson(g.SiloId, g.At, g.HeapBytes, g.WorkingSetBytes, g.ActiveUsers, g.ActiveDevices, g.MqttConnections))]);
    }

    /// <summary>Counters named <c>{prefix}{rest}</c> as <c>rest → n</c>, only non-zero ones.</summary>
    private static Dictionary<string, long> WithPrefix(SortedDictionary<string, long> counters, string prefix)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, value) in counters)
            if (value != 0 && name.StartsWith(prefix, StringComparison.Ordinal)) result[name[prefix.Length..]] = value;
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

        var decisions = new Table().Title("Decisions and notifications").AddColumns("counter", "count");
        decisions.AddRow("decisions sent", N(s.Decisions.Sent));
        foreach (var (rule, n) in s.Decisions.Suppressed) decisions.AddRow(Markup.Escape($"suppressed: {rule}"), N(n));
        decisions.AddRow("notifications sent", N(s.Notifications.Sent));
        decisions.AddRow("delivered", N(s.Notifications.Delivered));
        decisions.AddRow("opened", N(s.Notifications.Opened));
        decisions.AddRow("converted", N(s.Notifications.Converted));
        decisions.AddRow("dismissed", N(s.Notifications.Dismissed));
        decisions.AddRow("conversion", s.Conversion.Overall is { } c ? c.ToString("P1", CultureInfo.InvariantCulture) : "—");
        console.Write(decisions);

        var silos = new Table().Title("Silos").AddColumns("silo", "heap", "working set", "active users", "active devices", "MQTT connections");
        foreach (var g in s.SiloHealth)
            silos.AddRow(Markup.Escape(g.Silo), Mb(g.HeapBytes), Mb(g.WorkingSetBytes), N(g.ActiveUsers), N(g.ActiveDevices), N(g.MqttConnections));
        if (s.SiloHealth.Length > 0) console.Write(silos);
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N1", CultureInfo.InvariantCulture) + " MB";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
