using System.CommandLine;
using System.Globalization;
using Orleans.Runtime;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Live;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Rules;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary>
/// <c>user show U</c>: the state estimate, label, features, scored candidates, last decisions and why, readings,
/// devices and filter health of one user.
/// </summary>
public static class UserCommands
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var user = new Command("user", "Inspect one user");
        user.Add(CreateShow(services, global));
        user.Add(CreateWatch(services, global));
        return user;
    }

    /// <summary><c>user watch U</c>: the user's state and decisions as they happen, until Ctrl+C (docs/operations.md, "Live views").</summary>
    private static Command CreateWatch(CliServices services, GlobalOptions global)
    {
        var userId = new Argument<string>("U") { Description = "User id" }.MustBeId("user id");
        var command = new Command("watch", "Filtered state, label and decisions of one user as they happen, until Ctrl+C") { userId };
        command.SetHandler(services, global, async ctx =>
        {
            if (ctx.Json) throw new CliInputException("user watch has no --json form; with output redirected it writes one plain line per update");
            var id = ctx.Get(userId)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var grain = cluster.Grains.GetGrain<IUserStateGrain>(id);
            var updates = LiveFeed.ReadAsync<UserWatchEvent>(cluster.LiveStreams, StreamId.Create(LiveStreams.User, id),
                lease => grain.WatchAsync(lease).AsTask(), ctx.Services.Time, ctx.CancellationToken);
            var view = new UserWatchView(id);
            return await LiveCommand.RunAsync(ctx, updates, view.Render(),
                update =>
                {
                    view.Apply(update);
                    return view.Render();
                },
                async update =>
                {
                    await ctx.Out.WriteLineAsync(UserWatchView.Line(update)).ConfigureAwait(false);
                    await ctx.Out.FlushAsync().ConfigureAwait(false);
                }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateShow(CliServices services, GlobalOptions global)
    {
        var userId = new Argument<string>("U") { Description = "User id" }.MustBeId("user id");
        var command = new Command("show", "State estimate, label, features, candidates, last decisions and why") { userId };
        command.SetHandler(services, global, async ctx =>
        {
            var id = ctx.Get(userId)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var grain = cluster.Grains.GetGrain<IUserStateGrain>(id);
            if (!(await grain.GetFootprintAsync().ConfigureAwait(false)).Known) throw new CliInputException($"unknown user '{id}'");
            var snapshot = await grain.GetSnapshotAsync().ConfigureAwait(false);

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
            Candidates(s),
            [.. s.Decisions.Select(ToJson)],
            [.. s.LastReadings.Select(r => new ReadingJson(r.DeviceId, r.Seq, r.Ts, Finite(r.Hr), Finite(r.Speed), Finite(r.Cadence), Finite(r.Acc), Finite(r.Lat), Finite(r.Lon)))],
            [.. s.Devices.Select(d => new DeviceJson(d.DeviceId, d.Kind))],
            [.. s.Filters.Select(f => new FilterJson(f.Channel, f.Updates, f.Outliers, Finite(f.MeanNis)))],
            new ProfileJson(s.Age, s.TimeZone, s.Segment),
            s.LastReadingAt,
            s.ReadingsApplied,
            s.LastCheckpointAt);
    }

    /// <summary>
    /// The scored candidates when the user grain scored a state (joined with retrieval for source and model version),
    /// else retrieval's candidates with only the affinity known.
    /// </summary>
    private static CandidateJson[] Candidates(UserSnapshot s)
    {
        if (s.Scored is not { Length: > 0 } scored)
            return [.. s.Candidates.Select(c => new CandidateJson(c.ItemId, c.Category, Finite(c.Affinity), null, null, c.Source, c.ModelVersion, null, null))];

        var retrieved = new Dictionary<string, CandidateView>(s.Candidates.Length, StringComparer.Ordinal);
        foreach (var c in s.Candidates) retrieved.TryAdd(c.ItemId, c);
        return
        [
            .. scored.Select(c =>
            {
                var known = retrieved.TryGetValue(c.ItemId, out var r);
                return new CandidateJson(c.ItemId, c.Category, Finite(c.Affinity), Finite(c.Propensity), Finite(c.Osr),
                    known ? r.Source : null, known ? r.ModelVersion : null, Finite(c.AffinityZ), Finite(c.Raw));
            }),
        ];
    }

    public static DecisionJson ToJson(DecisionView d) => new(
        d.NotificationId,
        d.ItemId,
        d.Ts,
        d.Outcome,
        string.IsNullOrEmpty(d.Reason) ? null : d.Reason,
        Finite(d.Osr),
        Finite(d.Threshold),
        d.Category,
        d.Detail,
        Finite(d.Affinity),
        Finite(d.Propensity),
        d.Label,
        string.IsNullOrEmpty(d.Feedback) ? null : d.Feedback,
        [.. (d.Checks ?? []).Select(c => new RuleCheckJson(c.Rule.Code(), c.Passed, c.Detail))],
        d.DecidedAt,
        Finite(d.Raw),
        Finite(d.SendProbability),
        d.Arm,
        d.PropensityVersion,
        d.AlsVersion,
        d.ExpiresAt);

    /// <summary>
    /// Why a decision came out as it did, in one line: <c>suppressed: gap.similar — last drinks push 2h10m ago &lt; 6h</c>
    /// (the first failing check), <c>sent (osr 0.91 ≥ 0.75)</c> or <c>sent by exploration (p = 0.05)</c>;
    /// then the feedback, if any. Unknown numbers are "—".
    /// </summary>
    public static string Explain(DecisionView d)
    {
        string text;
        if (string.Equals(d.Outcome, DecisionOutcomes.Suppressed, StringComparison.Ordinal))
        {
            var (rule, detail) = FirstFailed(d.Checks) is { } failed ? (failed.Rule.Code(), failed.Detail) : (d.Reason, d.Detail);
            text = $"suppressed: {(string.IsNullOrEmpty(rule) ? "—" : rule)}{(string.IsNullOrEmpty(detail) ? "" : $" — {detail}")}";
        }
        else if (string.Equals(d.Outcome, DecisionOutcomes.Sent, StringComparison.Ordinal))
        {
            text = string.Equals(d.Reason, DecisionOutcomes.Explore, StringComparison.Ordinal)
                ? $"sent by exploration (p = {DisplayFormat.Num(d.SendProbability, "0.###")})"
                : $"sent (osr {DisplayFormat.Num(d.Osr, "0.00")} ≥ {DisplayFormat.Num(d.Threshold, "0.00")})";
        }
        else
        {
            text = string.Join(": ", new[] { d.Outcome, d.Reason, d.Detail }.Where(t => !string.IsNullOrEmpty(t)));
        }

        return string.IsNullOrEmpty(d.Feedback) ? text : $"{text}; feedback: {d.Feedback}";
    }

    private static RuleCheck? FirstFailed(RuleCheck[]? checks)
    {
        foreach (var c in checks ?? [])
            if (!c.Passed) return c;
        return null;
    }

    /// <summary>
    /// <c>2026-11-23 18:02:11Z</c> and, on a second line, the same instant in the user's zone (<c>19:02:11 local</c>, with
    /// <c>(+1d)</c> / <c>(-1d)</c> when the local date differs), unless <paramref name="zone"/> is UTC.
    /// </summary>
    internal static string Time(DateTimeOffset ts, TimeZoneInfo zone)
    {
        var utc = ts.ToUniversalTime();
        var text = utc.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (IsUtc(zone)) return text;
        var local = TimeZoneInfo.ConvertTime(ts, zone);
        var days = (local.Date - utc.Date).Days;
        var shift = days == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({days:+0;-0}d)");
        return $"{text}\n{local.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}{shift} local";
    }

    private static bool IsUtc(TimeZoneInfo zone) => zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;

    private static ChannelJson Channel(ChannelView c) => new(Finite(c.Value), Finite(c.Std));

    /// <summary>JSON has no NaN or ∞; an unknown value is null.</summary>
    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;

    private static void Render(IAnsiConsole console, UserSnapshot s, DateTimeOffset now)
    {
        var since = s.LabelSince is { } t ? $" since {t.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({DisplayFormat.Ago(now - t)} ago)" : "";
        console.MarkupLine($"User [bold]{Markup.Escape(s.UserId)}[/]: [bold yellow]{Markup.Escape(s.Label)}[/]{Markup.Escape(since)}");
        console.MarkupLine(Markup.Escape(
            $"age {s.Age?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, time zone {s.TimeZone}, segment {s.Segment ?? "none"}, " +
            $"{s.ReadingsApplied} readings applied, last at {(s.LastReadingAt is { } last ? last.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never")}"));

        console.Write(EstimateTable(s.Estimate));

        var features = new Table().Title("Features").AddColumns("feature", "value");
        foreach (var f in s.Features) features.AddRow(Markup.Escape(f.Name), DisplayFormat.Num(f.Value, "0.###"));
        if (s.Features.Length == 0) features.AddRow("—", "—");
        console.Write(features);

        var readings = new Table().Title("Last readings").AddColumns("device", "seq", "ts", "hr", "speed", "cadence", "acc", "lat", "lon");
        foreach (var r in s.LastReadings)
        {
            readings.AddRow(Markup.Escape(r.DeviceId), r.Seq.ToString(CultureInfo.InvariantCulture),
                r.Ts.ToUniversalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                DisplayFormat.Num(r.Hr, "0"), DisplayFormat.Num(r.Speed, "0.00"), DisplayFormat.Num(r.Cadence, "0"), DisplayFormat.Num(r.Acc, "0.00"), DisplayFormat.Num(r.Lat, "0.00000"), DisplayFormat.Num(r.Lon, "0.00000"));
        }

        console.Write(readings);

        var devices = new Table().Title("Devices").AddColumns("device", "kind");
        foreach (var d in s.Devices) devices.AddRow(Markup.Escape(d.DeviceId), Markup.Escape(d.Kind));
        console.Write(devices);

        var filters = new Table().Title("Filter health").AddColumns("channel", "updates", "outliers", "mean NIS");
        foreach (var f in s.Filters)
            filters.AddRow(Markup.Escape(f.Channel), f.Updates.ToString(CultureInfo.InvariantCulture), f.Outliers.ToString(CultureInfo.InvariantCulture), DisplayFormat.Num(f.MeanNis, "0.00"));
        console.Write(filters);

        var scored = Candidates(s);
        if (scored.Length == 0)
        {
            console.MarkupLine("[grey]Candidates: none yet — no model is active.[/]");
        }
        else
        {
            // Propensity and OSR only once the state was scored (the table then needs about 100 columns).
            var isScored = s.Scored.Length > 0;
            var candidates = new Table().Title("Candidates")
                .AddColumns(new TableColumn("item"), new TableColumn("category"), new TableColumn("affinity").RightAligned());
            if (isScored) candidates.AddColumns(new TableColumn("propensity").RightAligned(), new TableColumn("osr").RightAligned());
            candidates.AddColumns(new TableColumn("source"), new TableColumn("model version"));
            foreach (var c in scored)
            {
                var cells = new List<string> { Markup.Escape(c.ItemId), Markup.Escape(c.Category), DisplayFormat.Num(c.Affinity, "0.000") };
                if (isScored) cells.AddRange([DisplayFormat.Num(c.Propensity, "0.000"), DisplayFormat.Num(c.Osr, "0.00")]);
                cells.AddRange([Markup.Escape(c.Source ?? "—"), Markup.Escape(c.ModelVersion ?? "—")]);
                candidates.AddRow([.. cells]);
            }

            console.Write(candidates);
        }

        if (s.Decisions.Length == 0)
        {
            console.MarkupLine("[grey]Decisions: none yet.[/]");
            return;
        }

        var zone = UserTimeZones.Resolve(s.TimeZone);
        var title = IsUtc(zone) ? "Last decisions (newest first)" : $"Last decisions (newest first; local = {s.TimeZone})";
        var decisions = new Table().Title(Markup.Escape(title))
            .AddColumns(new TableColumn("time").NoWrap(), new TableColumn("item / category"), new TableColumn("outcome"), new TableColumn("why"));
        foreach (var d in s.Decisions)
        {
            decisions.AddRow(
                Markup.Escape(Time(d.Ts, zone)),
                Markup.Escape($"{d.ItemId} / {d.Category}"),
                Markup.Escape(Outcome(d)),
                Markup.Escape(Explain(d)));
        }

        console.Write(decisions);
    }

    /// <summary>The filtered estimate, each channel with its 1σ uncertainty (<c>user show</c>, <c>user watch</c>).</summary>
    internal static Table EstimateTable(EstimateView e)
    {
        var estimate = new Table().Title("Estimate").AddColumns("channel", "value", "± std");
        estimate.AddRow("hr (bpm)", DisplayFormat.Num(e.Hr.Value, "0.0"), DisplayFormat.Num(e.Hr.Std, "0.0"));
        estimate.AddRow("hr trend (bpm/min)", DisplayFormat.Num(e.HrTrendPerMin, "0.0"), "");
        estimate.AddRow("speed (m/s)", DisplayFormat.Num(e.Speed.Value, "0.00"), DisplayFormat.Num(e.Speed.Std, "0.00"));
        estimate.AddRow("cadence (steps/min)", DisplayFormat.Num(e.Cadence.Value, "0"), DisplayFormat.Num(e.Cadence.Std, "0.0"));
        estimate.AddRow("acc (m/s²)", DisplayFormat.Num(e.Acc.Value, "0.00"), DisplayFormat.Num(e.Acc.Std, "0.00"));
        var position = e.Position.Lat is { } lat && e.Position.Lon is { } lon
            ? $"{lat.ToString("0.00000", CultureInfo.InvariantCulture)}, {lon.ToString("0.00000", CultureInfo.InvariantCulture)}"
            : "—";
        estimate.AddRow("position", position, e.Position.Std is { } ps ? $"{ps.ToString("0", CultureInfo.InvariantCulture)} m" : "—");
        return estimate;
    }

    internal static string Outcome(DecisionView d) =>
        string.Equals(d.Outcome, DecisionOutcomes.Sent, StringComparison.Ordinal) && string.Equals(d.Reason, DecisionOutcomes.Explore, StringComparison.Ordinal)
            ? "sent (explore)"
            : d.Outcome;
}
