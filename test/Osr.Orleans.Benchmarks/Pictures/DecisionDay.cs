using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Benchmarks.Pictures;

/// <summary>One logged decision as the picture needs it (a row of the decision log's <c>decisions</c> table).</summary>
/// <param name="UserId">The user.</param>
/// <param name="DecidedUtcTicks">When it was decided (rules clock), UTC ticks.</param>
/// <param name="Osr">The decided candidate's OSR (NaN when the log has none).</param>
/// <param name="Threshold">The threshold in force for it (NaN when the log has none).</param>
/// <param name="Outcome"><c>sent</c> or <c>suppressed</c>.</param>
/// <param name="Reason">The rule that suppressed it, <c>explore</c> for an exploration send, empty for a send by the rules.</param>
public readonly record struct LoggedDecision(string UserId, long DecidedUtcTicks, double Osr, double Threshold, string Outcome, string Reason)
{
    public bool IsSent => Outcome == DecisionOutcomes.Sent;

    /// <summary>The decision log's reason codes of the quiet-hours and threshold rules (RuleName.Code).</summary>
    public const string QuietCode = "quiet", ThresholdCode = "threshold";

    /// <summary>How the picture marks it.</summary>
    public DecisionKind Kind => (IsSent, Reason) switch
    {
        (true, DecisionOutcomes.Explore) => DecisionKind.ExplorationPush,
        (true, _) => DecisionKind.Push,
        (false, QuietCode) => DecisionKind.QuietHours,
        (false, ThresholdCode) => DecisionKind.BelowThreshold,
        _ => DecisionKind.OtherRule,
    };
}

/// <summary>The marker classes of a decision in the picture.</summary>
public enum DecisionKind
{
    /// <summary>Sent: passed every rule.</summary>
    Push,

    /// <summary>Sent as exploration (failed only the threshold).</summary>
    ExplorationPush,

    /// <summary>Suppressed by quiet hours.</summary>
    QuietHours,

    /// <summary>Suppressed: OSR below the threshold.</summary>
    BelowThreshold,

    /// <summary>Suppressed by another rule (gap, caps, re-eligibility, staleness, the uncertainty gate, opt-out).</summary>
    OtherRule,
}

/// <summary>A stretch of local wall-clock time, [From, To).</summary>
public readonly record struct LocalSpan(DateTime From, DateTime To);

/// <summary>The decisions of one user on one local calendar day, and that day's quiet hours (docs/notifications.md).</summary>
public sealed record DecisionDay(string UserId, DateOnly Day, IReadOnlyList<(DateTime Local, LoggedDecision Decision)> Decisions, IReadOnlyList<LocalSpan> Quiet)
{
    /// <summary>
    /// The user and local day that shows the most kinds of decision (<see cref="DecisionKind"/>), then the most sends,
    /// then the most decisions (ties broken by user id and day) among
    /// <paramref name="decisions"/>, or the given <paramref name="userId"/> / <paramref name="day"/> when set.
    /// Null when nothing matches.
    /// </summary>
    public static DecisionDay? Pick(IEnumerable<LoggedDecision> decisions, Func<string, string> zoneOf, TimeOnly quietStart, TimeOnly quietEnd,
        string? userId = null, DateOnly? day = null)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(zoneOf);
        var groups = decisions
            .Where(d => userId is null || d.UserId == userId)
            .Select(d => (Local: UserTimeZones.ToLocal(d.DecidedUtcTicks, zoneOf(d.UserId)), Decision: d))
            .GroupBy(x => (x.Decision.UserId, Day: DateOnly.FromDateTime(x.Local)))
            .Where(g => day is null || g.Key.Day == day)
            .OrderByDescending(g => g.Select(x => x.Decision.Kind).Distinct().Count())
            .ThenByDescending(g => g.Count(x => x.Decision.IsSent))
            .ThenByDescending(g => g.Count())
            .ThenBy(g => g.Key.UserId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Day)
            .FirstOrDefault();
        if (groups is null) return null;
        var ordered = groups.OrderBy(x => x.Decision.DecidedUtcTicks).ToArray();
        return new DecisionDay(groups.Key.UserId, groups.Key.Day, ordered, QuietSpans(groups.Key.Day, quietStart, quietEnd));
    }

    /// <summary>
    /// Quiet hours [start, end) on local day <paramref name="day"/>, as the rules read them: start &gt; end crosses
    /// midnight (22:00–07:00 is 00:00–07:00 and 22:00–24:00 of the day); start = end is no quiet hours.
    /// </summary>
    public static LocalSpan[] QuietSpans(DateOnly day, TimeOnly start, TimeOnly end)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        if (start == end) return [];
        if (start < end) return [new(midnight + start.ToTimeSpan(), midnight + end.ToTimeSpan())];
        var spans = new List<LocalSpan>();
        if (end > TimeOnly.MinValue) spans.Add(new(midnight, midnight + end.ToTimeSpan()));
        spans.Add(new(midnight + start.ToTimeSpan(), midnight.AddDays(1)));
        return [.. spans];
    }
}
