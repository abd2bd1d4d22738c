using System.Globalization;
using Microsoft.Data.Sqlite;
using Osr.Orleans.Benchmarks.Ingest;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Rules;
using ScottPlot;

namespace Osr.Orleans.Benchmarks.Pictures;

/// <summary>
/// <c>notifications-plot OUT.png [--users N] [--days D] [--seed S] [--user ID] [--day YYYY-MM-DD] [--keep DIR | --from DIR]</c>:
/// a real run of the decision loop, then a picture of one user's day. It starts a silo on the event clock with a
/// fresh data directory (embedded broker, SQLite, default rules), replays D simulated days of N people with
/// <c>osr-admin simulate --clock event</c> (seed S, the catalogue and the people's feedback included), stops the
/// silo, reads the decision log (<c>events.db</c>, table <c>decisions</c>) and draws the chosen user's local day
/// (by default the user-day with the most pushes): each decision's OSR against the threshold in force, quiet hours
/// shaded, pushes and suppressed decisions marked by reason. <c>--keep DIR</c> keeps the run's data directory;
/// <c>--from DIR</c> draws from a kept run instead of running again (give it the run's --users and --seed).
/// docs/notifications.md shows the output.
/// </summary>
public static class NotificationsPlot
{
    private const int Width = 1200, Height = 600;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("usage: notifications-plot OUT.png [--users N] [--days D] [--seed S] [--user ID] [--day YYYY-MM-DD] [--keep DIR | --from DIR]");
            return 2;
        }

        var output = args[1];
        var users = int.Parse(FeaturesPlot.Option(args, "--users") ?? "20", CultureInfo.InvariantCulture);
        var days = int.Parse(FeaturesPlot.Option(args, "--days") ?? "2", CultureInfo.InvariantCulture);
        var seed = ulong.Parse(FeaturesPlot.Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);
        var userId = FeaturesPlot.Option(args, "--user");
        DateOnly? day = FeaturesPlot.Option(args, "--day") is { } d ? DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        var from = FeaturesPlot.Option(args, "--from");
        var keep = FeaturesPlot.Option(args, "--keep") ?? from;
        var dir = keep ?? Directory.CreateTempSubdirectory("osr-notifications-plot-").FullName;
        try
        {
            var decisions = from is null
                ? await RunDecisionLoopAsync(Paths.Discover(), dir, users, days, seed).ConfigureAwait(false)
                : ReadDecisions(Path.Combine(from, "data", "events.db"));
            var plan = SimulationPlan.Create(new SimulationOptions { Users = users, Seed = seed });
            var zones = plan.Users.ToDictionary(u => u.UserId, u => u.Profile.TimeZoneId, StringComparer.Ordinal);
            // A fresh data directory holds no rule changes: the defaults are in force for everyone.
            var rules = EffectiveRules.Defaults;
            var picked = DecisionDay.Pick(decisions, u => zones.GetValueOrDefault(u, "UTC"), rules.QuietStart, rules.QuietEnd, userId, day);
            if (picked is null)
            {
                Console.Error.WriteLine($"no decision matches (the run logged {decisions.Count} decisions).");
                return 1;
            }

            Draw(picked, zones.GetValueOrDefault(picked.UserId, "UTC"), rules).SavePng(output, Width, Height);
            var sent = picked.Decisions.Count(x => x.Decision.IsSent);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {output}: {picked.UserId} on {picked.Day:yyyy-MM-dd}, {picked.Decisions.Count} decisions, {sent} pushes (the run logged {decisions.Count} decisions)"));
            return 0;
        }
        finally
        {
            if (keep is null) Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<List<LoggedDecision>> RunDecisionLoopAsync(Paths paths, string dir, int users, int days, ulong seed)
    {
        int mqtt = Target.FreePort(), gateway = Target.FreePort(), siloPort = Target.FreePort();
        var data = Path.Combine(dir, "data");
        await using (var silo = ChildProcess.StartDotnet("silo", paths.SiloDll,
        [
            "--Osr:Clock=Event", "--Osr:Ingest:MaxReadingsPerSecond=100000", "--Osr:Ingest:Burst=1000000",
            $"--Osr:Data:Path={data}", $"--Osr:Models:Path={Path.Combine(dir, "models")}",
            $"--Osr:Mqtt:Port={mqtt}", "--Osr:Mqtt:BindAddress=127.0.0.1",
            $"--Osr:Cluster:GatewayPort={gateway}", $"--Osr:Cluster:SiloPort={siloPort}", "--Osr:Ops:Port=0",
        ]))
        {
            await silo.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(120), CancellationToken.None)
                .ConfigureAwait(false);
            Console.Error.WriteLine($"silo up (data {data}); replaying {days} day(s) of {users} people on the event clock…");
            await using var simulate = ChildProcess.StartDotnet("simulate", paths.AdminDll,
            [
                "simulate", "--clock", "event", "--days", $"{days}", "--users", $"{users}", "--seed", $"{seed}",
                "--mqtt", $"127.0.0.1:{mqtt}", "--gateway", $"127.0.0.1:{gateway}",
            ], captureStdout: true);
            if (!await simulate.WaitForExitAsync(TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false) || simulate.ExitCode != 0)
                throw new InvalidOperationException($"osr-admin simulate failed:\n{simulate.Tail()}");
            await silo.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        return ReadDecisions(Path.Combine(data, "events.db"));
    }

    private static List<LoggedDecision> ReadDecisions(string eventsDb)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = eventsDb, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, decided_at, osr, threshold, outcome, reason FROM decisions ORDER BY decided_at, decision_id";
        using var reader = command.ExecuteReader();
        var rows = new List<LoggedDecision>();
        while (reader.Read())
        {
            rows.Add(new LoggedDecision(reader.GetString(0), reader.GetInt64(1),
                reader.IsDBNull(2) ? double.NaN : reader.GetDouble(2), reader.IsDBNull(3) ? double.NaN : reader.GetDouble(3),
                reader.GetString(4), reader.GetString(5)));
        }
        return rows;
    }

    private static Plot Draw(DecisionDay day, string zone, EffectiveRules rules)
    {
        var plot = new Plot();
        var first = true;
        foreach (var quiet in day.Quiet)
        {
            var shade = plot.Add.HorizontalSpan(quiet.From.ToOADate(), quiet.To.ToOADate());
            shade.FillStyle.Color = Colors.SlateGray.WithAlpha(0.22);
            shade.LineStyle.Width = 0;
            shade.LegendText = first
                ? $"quiet hours {rules.QuietStart:HH\\:mm}–{rules.QuietEnd:HH\\:mm} (user's zone)"
                : "";
            first = false;
        }

        var scored = day.Decisions.Where(x => !double.IsNaN(x.Decision.Threshold)).ToArray();
        if (scored.Length > 0)
        {
            // The threshold in force at each decision, held until the next one (it is learned per user).
            var xs = scored.Select(x => x.Local.ToOADate()).Append(day.Day.ToDateTime(TimeOnly.MaxValue).ToOADate()).ToArray();
            var ys = scored.Select(x => x.Decision.Threshold).Append(scored[^1].Decision.Threshold).ToArray();
            var threshold = plot.Add.Scatter(xs, ys);
            threshold.ConnectStyle = ConnectStyle.StepHorizontal;
            threshold.MarkerSize = 0;
            threshold.LineWidth = 2;
            threshold.Color = Colors.Black;
            threshold.LinePattern = LinePattern.Dashed;
            threshold.LegendText = "OSR threshold in force";
        }

        Series(plot, day, DecisionKind.BelowThreshold, "suppressed: OSR below threshold", Colors.Gray, MarkerShape.OpenCircle, 6);
        Series(plot, day, DecisionKind.QuietHours, "suppressed: quiet hours", Colors.Purple, MarkerShape.OpenTriangleUp, 8);
        Series(plot, day, DecisionKind.OtherRule, "suppressed: another rule (gap, cap, re-eligible, uncertain)", Colors.RoyalBlue, MarkerShape.OpenSquare, 8);
        Series(plot, day, DecisionKind.Push, "push (passed every rule)", Colors.ForestGreen, MarkerShape.FilledCircle, 12);
        Series(plot, day, DecisionKind.ExplorationPush, "push (exploration: failed only the threshold)", Colors.DarkOrange, MarkerShape.FilledDiamond, 12);

        var time = plot.Axes.DateTimeTicksBottom();
        if (time.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic ticks)
            ticks.LabelFormatter = t => t.ToString("HH:mm", CultureInfo.InvariantCulture);
        var midnight = day.Day.ToDateTime(TimeOnly.MinValue);
        plot.Axes.SetLimits(midnight.ToOADate(), midnight.AddDays(1).ToOADate(), -0.03, 1.03);
        plot.Title($"One simulated day of {day.UserId}: OSR of each decision against the threshold ({day.Day:yyyy-MM-dd})");
        plot.XLabel($"local time ({zone})");
        plot.YLabel("OSR score (0–1)");
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    private static void Series(Plot plot, DecisionDay day, DecisionKind kind, string legend, Color color, MarkerShape shape, float size)
    {
        var points = day.Decisions.Where(x => x.Decision.Kind == kind && !double.IsNaN(x.Decision.Osr)).ToArray();
        if (points.Length == 0) return;
        var markers = plot.Add.ScatterPoints(points.Select(x => x.Local.ToOADate()).ToArray(), points.Select(x => x.Decision.Osr).ToArray());
        markers.Color = color;
        markers.MarkerShape = shape;
        markers.MarkerSize = size;
        markers.LegendText = legend;
    }
}
