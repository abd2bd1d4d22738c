using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>user show U</c>: the state estimate, label, features, candidates, readings, devices and filter health of one user.</summary>
public static class UserCommands
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var user = new Command("user", "Inspect one user");
        user.Add(CreateShow(services, global));
        return user;
    }

    private static Command CreateShow(CliServices services, GlobalOptions global)
    {
        var userId = new Argument<string>("U") { Description = "User id" }.MustBeId("user id");
        var command = new Command("show", "State estimate, label, features, candidates, last decisions and why") { userId };
        command.SetHandler(services, global, async ctx =>
        {
            var id = ctx.Get(userId)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var snapshot = await cluster.Grains.GetGrain<IUserStateGrain>(id).GetSnapshotAsync().ConfigureAwait(false);

            if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, ToJson(snapshot), AdminJsonContext.Default.UserShowJson).ConfigureAwait(false);
            else Render(ctx.Services.Console, snapshot, ctx.Services.Time.GetUtcNow());
            return ExitCodes.Success;
        });
        return command;
    }

    public static UserShowJson ToJson(UserSnapshot s)
    {
        var e = s.Estimate;
        var features = new Dictionary<string, double?>(s.Features.Length, StringComparer.Ordinal);
        foreach (var f in s.Features) features[f.Name] = Finite(f.Value);

        return new UserShowJson(
            s.UserId,
            s.Label,
            s.LabelSince,
            new EstimateJson(Channel(e.Hr), Channel(e.Speed), Channel(e.Cadence), Channel(e.Acc),
                new PositionJson(Finite(e.Position.Lat), Finite(e.Position.Lon), Finite(e.Position.Std)), Finite(e.HrTrendPerMin)),
            features,
            [.. s.Candidates.Select(c => new CandidateJson(c.ItemId, c.Category, Finite(c.Affinity), null, null, c.Source, c.ModelVersion))],
            [],
            [.. s.LastReadings.Select(r => new ReadingJson(r.DeviceId, r.Seq, r.Ts, Finite(r.Hr), Finite(r.Speed), Finite(r.Cadence), Finite(r.Acc), Finite(r.Lat), Finite(r.Lon)))],
            [.. s.Devices.Select(d => new DeviceJson(d.DeviceId, d.Kind))],
            [.. s.Filters.Select(f => new FilterJson(f.Channel, f.Updates, f.Outliers, Finite(f.MeanNis)))],
            new ProfileJson(s.Age, s.TimeZone, s.Segment),
            s.LastReadingAt,
            s.ReadingsApplied,
            s.LastCheckpointAt);
    }

    private static ChannelJson Channel(ChannelView c) => new(Finite(c.Value), Finite(c.Std));

    /// <summary>JSON has no NaN or ∞; an unknown value is null.</summary>
    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;

    private static void Render(IAnsiConsole console, UserSnapshot s, DateTimeOffset now)
    {
        var since = s.LabelSince is { } t ? $" since {t.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({Ago(now - t)} ago)" : "";
        console.MarkupLine($"User [bold]{Markup.Escape(s.UserId)}[/]: [bold yellow]{Markup.Escape(s.Label)}[/]{Markup.Escape(since)}");
        console.MarkupLine(Markup.Escape(
            $"age {s.Age?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, time zone {s.TimeZone}, segment {s.Segment ?? "none"}, " +
            $"{s.ReadingsApplied} readings applied, last at {(s.LastReadingAt is { } last ? last.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never")}"));

        var e = s.Estimate;
        var estimate = new Table().Title("Estimate").AddColumns("channel", "value", "± std");
        estimate.AddRow("hr (bpm)", Num(e.Hr.Value, "0.0"), Num(e.Hr.Std, "0.0"));
        estimate.AddRow("hr trend (bpm/min)", Num(e.HrTrendPerMin, "0.0"), "");
        estimate.AddRow("speed (m/s)", Num(e.Speed.Value, "0.00"), Num(e.Speed.Std, "0.00"));
        estimate.AddRow("cadence (steps/min)", Num(e.Cadence.Value, "0"), Num(e.Cadence.Std, "0.0"));
        estimate.AddRow("acc (m/s²)", Num(e.Acc.Value, "0.00"), Num(e.Acc.Std, "0.00"));
        var position = e.Position.Lat is { } lat && e.Position.Lon is { } lon
            ? $"{lat.ToString("0.00000", CultureInfo.InvariantCulture)}, {lon.ToString("0.00000", CultureInfo.InvariantCulture)}"
            : "—";
        estimate.AddRow("position", position, e.Position.Std is { } ps ? $"{ps.ToString("0", CultureInfo.InvariantCulture)} m" : "—");
        console.Write(estimate);

        var features = new Table().Title("Features").AddColumns("feature", "value");
        foreach (var f in s.Features) features.AddRow(Markup.Escape(f.Name), Num(f.Value, "0.###"));
        if (s.Features.Length == 0) features.AddRow("—", "—");
        console.Write(features);

        var readings = new Table().Title("Last readings").AddColumns("device", "seq", "ts", "hr", "speed", "cadence", "acc", "lat", "lon");
        foreach (var r in s.LastReadings)
        {
            readings.AddRow(Markup.Escape(r.DeviceId), r.Seq.ToString(CultureInfo.InvariantCulture),
                r.Ts.ToUniversalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                Num(r.Hr, "0"), Num(r.Speed, "0.00"), Num(r.Cadence, "0"), Num(r.Acc, "0.00"), Num(r.Lat, "0.00000"), Num(r.Lon, "0.00000"));
        }

        console.Write(readings);

        var devices = new Table().Title("Devices").AddColumns("device", "kind");
        foreach (var d in s.Devices) devices.AddRow(Markup.Escape(d.DeviceId), Markup.Escape(d.Kind));
        console.Write(devices);

        var filters = new Table().Title("Filter health").AddColumns("channel", "updates", "outliers", "mean NIS");
        foreach (var f in s.Filters)
            filters.AddRow(Markup.Escape(f.Channel), f.Updates.ToString(CultureInfo.InvariantCulture), f.Outliers.ToString(CultureInfo.InvariantCulture), Num(f.MeanNis, "0.00"));
        console.Write(filters);

        if (s.Candidates.Length == 0)
        {
            console.MarkupLine("[grey]Candidates: none yet — no model is active.[/]");
        }
        else
        {
            var candidates = new Table().Title("Candidates").AddColumns("item", "category", "affinity", "source", "model version");
            foreach (var c in s.Candidates)
                candidates.AddRow(Markup.Escape(c.ItemId), Markup.Escape(c.Category), Num(c.Affinity, "0.000"), Markup.Escape(c.Source), Markup.Escape(c.ModelVersion));
            console.Write(candidates);
        }

        console.MarkupLine("[grey]Decisions: none yet.[/]");
    }

    internal static string Num(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    internal static string Ago(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return $"{d.TotalSeconds:0}s";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return $"{(int)d.TotalHours}h{d.Minutes:00}m";
    }
}
