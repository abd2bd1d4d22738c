using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// One push a simulated user received in the backtest, with what the world says about it.
/// <paramref name="Label"/> is the label at decision (the notification's <c>state</c>); <paramref name="LocalDay"/> and
/// <paramref name="LocalHour"/> are of <paramref name="Ts"/> in the user's zone; <paramref name="WorldProbability"/> is
/// the world's P(accept) at the user's true state at <paramref name="Ts"/>, <paramref name="StateBlindProbability"/> its
/// mean over the state-blind sample times of that day; <paramref name="TrueLabel"/> the world's label then (null: not known).
/// </summary>
public sealed record BacktestPush(
    string UserId,
    string ItemId,
    string Category,
    DateTimeOffset Ts,
    string Label,
    DateOnly LocalDay,
    int LocalHour,
    double Osr,
    double WorldProbability,
    double StateBlindProbability,
    bool Opened,
    bool Converted,
    string? TrueLabel = null);

/// <summary>A simulated user's id, time zone (for the per-user-per-day counts) and segment (for the per-segment gap; null: none).</summary>
public readonly record struct BacktestUser(string UserId, TimeZoneInfo Zone, string? Segment = null);

/// <summary>
/// Everything of a backtest run that is not a push: the window (<paramref name="End"/> is where the simulated clock got
/// to: start + days, or earlier when the run was stopped), the population, the readings and the counters.
/// </summary>
public sealed record BacktestRunFacts(
    DateTimeOffset Start,
    DateTimeOffset End,
    int Days,
    IReadOnlyList<BacktestUser> Users,
    int Devices,
    TimeSpan Step,
    TimeSpan Interval,
    ulong Seed,
    int Samples,
    BacktestReadingsJson Readings,
    BacktestFeedbackJson Feedback,
    CounterSet? CountersBefore,
    CounterSet? CountersAfter,
    double WallSeconds);

/// <summary>The arithmetic of the backtest's summary (pure: the same pushes and facts give the same report).</summary>
public static class BacktestReport
{
    /// <summary>Keys of the pushes-per-user-per-day distribution.</summary>
    public static readonly string[] DistributionKeys = ["0", "1", "2", "3", ">3"];

    /// <summary>Header of <see cref="PushesCsv"/>.</summary>
    public const string PushesCsvHeader = "user,item,category,ts,label,trueLabel,localHour,osr,worldP,stateBlindP,opened,converted";

    /// <summary>
    /// The pushes as CSV (<c>simulate --pushes FILE</c>), one row each in the given order: ids, category, ts (UTC, RFC 3339),
    /// the label at decision and the world's true label then, the local hour, the OSR, the world's P(accept) then and at
    /// state-blind times, opened and converted as 0/1. Ids and categories are grain keys (no commas), so nothing is quoted.
    /// </summary>
    public static string PushesCsv(IReadOnlyList<BacktestPush> pushes)
    {
        ArgumentNullException.ThrowIfNull(pushes);
        var text = new System.Text.StringBuilder(PushesCsvHeader).Append('\n');
        foreach (var p in pushes)
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{p.UserId},{p.ItemId},{p.Category},{p.Ts.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},{p.Label},{p.TrueLabel},{p.LocalHour},{p.Osr:0.####},{p.WorldProbability:0.####},{p.StateBlindProbability:0.####},{(p.Opened ? 1 : 0)},{(p.Converted ? 1 : 0)}")
                .Append('\n');
        return text.ToString();
    }

    public static BacktestJson Build(BacktestRunFacts facts, IReadOnlyList<BacktestPush> pushes)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(pushes);
        var total = pushes.Count;

        // Pushes per (user, local day) over every local day the run touched.
        var perDay = new Dictionary<(string, DateOnly), long>();
        foreach (var p in pushes) perDay[(p.UserId, p.LocalDay)] = perDay.GetValueOrDefault((p.UserId, p.LocalDay)) + 1;
        var distribution = DistributionKeys.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        long userDays = 0, max = 0;
        var known = new HashSet<(string, DateOnly)>();
        foreach (var user in facts.Users)
        {
            foreach (var day in LocalDays(facts.Start, facts.End, user.Zone))
            {
                var n = perDay.GetValueOrDefault((user.UserId, day));
                known.Add((user.UserId, day));
                userDays++;
                max = Math.Max(max, n);
                distribution[n > 3 ? ">3" : n.ToString(System.Globalization.CultureInfo.InvariantCulture)]++;
            }
        }

        // Pushes of users or days outside the plan (should not happen) still count towards the maximum.
        foreach (var (key, n) in perDay)
            if (!known.Contains(key)) max = Math.Max(max, n);

        var userCount = facts.Users.Count;
        var simulatedDays = (facts.End - facts.Start).TotalDays;
        var mean = userCount > 0 && simulatedDays > 0 ? total / (userCount * simulatedDays) : 0;

        var byLabel = Sorted(pushes.GroupBy(p => p.Label).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal));
        var byCategory = Sorted(pushes.GroupBy(p => p.Category).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal));
        var byHour = new long[24];
        foreach (var p in pushes) byHour[Math.Clamp(p.LocalHour, 0, 23)]++;

        var converted = pushes.Count(p => p.Converted);
        var opened = pushes.Count(p => p.Opened);
        var conversion = new BacktestConversionJson(Ratio(converted, total), Ratio(opened, total));

        double? osr = total > 0 ? pushes.Average(p => p.WorldProbability) : null;
        double? blind = total > 0 ? pushes.Average(p => p.StateBlindProbability) : null;
        double? ratio = osr is { } o && blind is { } b && b > 0 ? o / b : null;

        var byDay = ByDay(facts, pushes);
        var bySegment = BySegment(facts, pushes);

        return new BacktestJson(
            "event",
            facts.Start,
            facts.End,
            facts.Days,
            userCount,
            facts.Devices,
            Cli.DurationParser.Format(facts.Step),
            Cli.DurationParser.Format(facts.Interval),
            facts.Seed,
            facts.Readings,
            new BacktestPushesJson(total, new PushesPerUserDayJson(mean, max, userDays, distribution), byLabel, byHour, byCategory),
            Decisions(facts.CountersBefore, facts.CountersAfter),
            Notifications(facts.CountersBefore, facts.CountersAfter),
            facts.Feedback,
            conversion,
            new StateBlindJson(facts.Samples, total, osr, blind, ratio),
            Math.Round(facts.WallSeconds, 3),
            byDay,
            bySegment);
    }

    /// <summary>
    /// Per simulated day d (pushes with start + d days ≤ ts &lt; start + d + 1 days): pushes, conversion per push and the
    /// state-blind ratio of that day's pushes alone; every day of the run is listed, empty ones with nulls.
    /// </summary>
    public static List<BacktestDayJson> ByDay(BacktestRunFacts facts, IReadOnlyList<BacktestPush> pushes)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(pushes);
        var days = Math.Max(facts.Days, (int)Math.Ceiling((facts.End - facts.Start).TotalDays));
        foreach (var p in pushes) days = Math.Max(days, DayOf(facts.Start, p.Ts) + 1);
        var groups = pushes.GroupBy(p => DayOf(facts.Start, p.Ts)).ToDictionary(g => g.Key, g => g.ToList());
        var result = new List<BacktestDayJson>(days);
        for (var d = 0; d < days; d++)
        {
            var group = groups.GetValueOrDefault(d) ?? [];
            var (conversion, osr, blind, ratio) = Summary(group);
            result.Add(new BacktestDayJson(d + 1, group.Count, group.Count(p => p.Converted), conversion, osr, blind, ratio));
        }
        return result;
    }

    /// <summary>
    /// Per segment of the simulated users (users without one: "none"): pushes, conversion per push and the state-blind
    /// ratio; <c>gap</c> is the largest minus the smallest conversion per push over segments with pushes.
    /// </summary>
    public static BacktestSegmentsJson BySegment(BacktestRunFacts facts, IReadOnlyList<BacktestPush> pushes)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(pushes);
        var segmentOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var u in facts.Users) segmentOf[u.UserId] = string.IsNullOrEmpty(u.Segment) ? "none" : u.Segment;
        var segments = new SortedDictionary<string, BacktestSegmentJson>(StringComparer.Ordinal);
        foreach (var name in segmentOf.Values.Distinct(StringComparer.Ordinal)) segments[name] = new BacktestSegmentJson(0, 0, null, null);
        foreach (var g in pushes.GroupBy(p => segmentOf.GetValueOrDefault(p.UserId) ?? "none", StringComparer.Ordinal))
        {
            var list = g.ToList();
            var (conversion, _, _, ratio) = Summary(list);
            segments[g.Key] = new BacktestSegmentJson(list.Count, list.Count(p => p.Converted), conversion, ratio);
        }
        var rates = segments.Values.Where(v => v.ConversionPerPush is not null).Select(v => v.ConversionPerPush!.Value).ToList();
        double? gap = rates.Count > 0 ? rates.Max() - rates.Min() : null;
        return new BacktestSegmentsJson(new Dictionary<string, BacktestSegmentJson>(segments, StringComparer.Ordinal), gap);
    }

    private static int DayOf(DateTimeOffset start, DateTimeOffset ts) => Math.Max(0, (int)Math.Floor((ts - start).TotalDays));

    private static (double? Conversion, double? Osr, double? Blind, double? Ratio) Summary(IReadOnlyList<BacktestPush> pushes)
    {
        if (pushes.Count == 0) return (null, null, null, null);
        var conversion = (double)pushes.Count(p => p.Converted) / pushes.Count;
        var osr = pushes.Average(p => p.WorldProbability);
        var blind = pushes.Average(p => p.StateBlindProbability);
        return (conversion, osr, blind, blind > 0 ? osr / blind : null);
    }

    /// <summary>The local calendar days in <paramref name="zone"/> that [<paramref name="start"/>, <paramref name="end"/>) touches.</summary>
    public static IEnumerable<DateOnly> LocalDays(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        if (end <= start) yield break;
        var first = StateBlindSampler.LocalDay(start, zone);
        var last = StateBlindSampler.LocalDay(end.AddTicks(-1), zone);
        for (var d = first; d <= last; d = d.AddDays(1)) yield return d;
    }

    public static BacktestDecisionsJson? Decisions(CounterSet? before, CounterSet? after)
    {
        if (before is null || after is null) return null;
        var suppressed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, value) in after.Counters)
        {
            if (!name.StartsWith(CounterNames.DecisionsSuppressedPrefix, StringComparison.Ordinal)) continue;
            var delta = value - before[name];
            if (delta != 0) suppressed[name[CounterNames.DecisionsSuppressedPrefix.Length..]] = delta;
        }

        return new BacktestDecisionsJson(
            after[CounterNames.DecisionsSent] - before[CounterNames.DecisionsSent],
            after[CounterNames.DecisionsExplored] - before[CounterNames.DecisionsExplored],
            Sorted(suppressed));
    }

    public static BacktestNotificationCountersJson? Notifications(CounterSet? before, CounterSet? after)
    {
        if (before is null || after is null) return null;
        long Delta(string what) => after[CounterNames.NotificationsPrefix + what] - before[CounterNames.NotificationsPrefix + what];
        return new BacktestNotificationCountersJson(Delta("sent"), Delta("delivered"), Delta("opened"), Delta("converted"), Delta("dismissed"));
    }

    private static double? Ratio(long n, long d) => d > 0 ? (double)n / d : null;

    private static Dictionary<string, long> Sorted(Dictionary<string, long> counts) =>
        counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
