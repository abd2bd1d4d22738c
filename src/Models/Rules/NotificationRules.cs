// Design: the notification rules (docs/architecture.md "Notification rules") as pure functions.
//
// * Nothing here reads a clock, does I/O or knows Orleans grains: the throttle grain passes the
//   rules' clock (wall or the user's event time, docs/contract.md "Clock") and the state's event time
//   as UTC ticks, the user's push history, and a uniform draw for exploration. The same inputs
//   always give the same verdict, so decisions replay exactly and every rule is unit tested.
// * Which values are in force comes from RuleSet.Resolve (most specific scope first); this file
//   only applies them. All eight checks run and are recorded, in ARCHITECTURE order, so a
//   decision shows why it went the way it did; the first failing one is the reason.
// * Calendar rules (quiet hours, day and week caps) use the user's local wall clock, found per
//   instant with TimeZoneInfo.ConvertTime, which makes them right across DST changes; an unknown
//   zone is UTC. Windows (gap, re-eligibility, staleness) use elapsed UTC time.
// * History entries later than "now" (replays on the event clock) are ignored by the elapsed-time
//   rules and counted by the caps only when they fall on the same local day.
// * Exploration only ever relaxes the threshold: a candidate whose single failing rule is the
//   threshold is sent when exploreDraw < explore.rate and logged with that probability.
// * Cost: one pass over the history and a few short strings per candidate; it runs once per
//   decision (debounced), not per reading.
using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Models.Rules;

/// <summary>Evaluates the notification rules for one candidate.</summary>
public static class NotificationRules
{
    /// <summary>Entries further than this from now cannot share its local ISO week; their local date is not computed.</summary>
    private static readonly long WeekReachTicks = TimeSpan.FromDays(8).Ticks;

    /// <summary>
    /// Evaluates all rules in ARCHITECTURE order (optout, quiet, threshold, gap.similar, cap.day,
    /// cap.week, reeligible, staleness); every check is recorded; <see cref="CandidateVerdict.FailedRule"/>
    /// is the first failing.
    /// </summary>
    /// <param name="candidate">The scored candidate.</param>
    /// <param name="rules">The rules in force for this (user, item), from <see cref="RuleSet.Resolve"/>.</param>
    /// <param name="timeZoneId">The user's IANA zone; unknown or empty means UTC.</param>
    /// <param name="history">Pushes already sent to this user, any order.</param>
    /// <param name="nowUtcTicks">The rules' clock (wall or the user's event time; the caller decides).</param>
    /// <param name="stateUtcTicks">Event time of the scored state.</param>
    /// <param name="exploreDraw">A uniform draw in [0, 1) supplied by the caller.</param>
    /// <remarks>
    /// Exploration: when the ONLY failing rule is the threshold and <paramref name="exploreDraw"/>
    /// &lt; explore.rate, the candidate is explored (sent) with SendProbability = explore.rate.
    /// A candidate sent by the rules has SendProbability 1; a threshold-only failure that is not
    /// explored has explore.rate (the chance it had); any other failure 0. Exploration never
    /// overrides opt-out, quiet hours, caps, gap, re-eligibility or staleness. A channel opt-out
    /// (mqtt or webhook) fails the rule only when both channels are opted out.
    /// </remarks>
    public static CandidateVerdict Evaluate(in RuleCandidate candidate, in EffectiveRules rules, string timeZoneId,
        IReadOnlyList<PushRecord> history, long nowUtcTicks, long stateUtcTicks, double exploreDraw)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegative(nowUtcTicks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nowUtcTicks, DateTime.MaxValue.Ticks);

        var zone = UserTimeZones.Resolve(timeZoneId);
        var localNow = ToLocal(nowUtcTicks, zone);
        var scan = HistoryScan.Run(in candidate, in rules, history, nowUtcTicks, zone, DateOnly.FromDateTime(localNow));

        var checks = new RuleCheck[]
        {
            OptOut(rules.OptOut, candidate.Category),
            QuietHours(localNow, zone, rules.QuietStart, rules.QuietEnd),
            Threshold(in candidate, in rules),
            GapSimilar(in candidate, in rules, in scan, nowUtcTicks),
            new(RuleName.CapDay, scan.Today < rules.CapDay, $"{scan.Today} of {rules.CapDay} today"),
            new(RuleName.CapWeek, scan.ThisWeek < rules.CapWeek, $"{scan.ThisWeek} of {rules.CapWeek} this week"),
            Reeligible(in candidate, in rules, in scan, nowUtcTicks),
            Staleness(in rules, nowUtcTicks, stateUtcTicks),
        };

        RuleName? failed = null;
        int failures = 0;
        foreach (var check in checks)
        {
            if (!check.Passed)
            {
                failed ??= check.Rule;
                failures++;
            }
        }

        bool onlyThreshold = failures == 1 && failed == RuleName.Threshold && double.IsFinite(candidate.Osr);
        bool explored = onlyThreshold && exploreDraw < rules.ExploreRate;
        double probability = failed is null ? 1 : onlyThreshold ? rules.ExploreRate : 0;
        return new CandidateVerdict(candidate, rules, checks, failed, explored, probability);
    }

    /// <summary>
    /// Cosine similarity cos θ = a·b / (‖a‖ ‖b‖), computed in double. Range: [−1, 1]; 0 when either
    /// vector is zero (or both are empty); NaN when an element is NaN or ∞.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Vectors of different lengths ({a.Length} and {b.Length}).", nameof(b));
        }

        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            dot += x * y;
            aa += x * x;
            bb += y * y;
        }

        if (aa == 0 || bb == 0)
        {
            return 0;
        }

        return Math.Clamp(dot / (Math.Sqrt(aa) * Math.Sqrt(bb)), -1, 1);
    }

    private static RuleCheck OptOut(OptOutState optOut, string category)
    {
        if (optOut.All)
        {
            return new(RuleName.OptOut, false, "opted out of all pushes");
        }

        if (optOut.Category)
        {
            return new(RuleName.OptOut, false, $"opted out of category {category}");
        }

        return (optOut.Mqtt, optOut.Webhook) switch
        {
            (true, true) => new(RuleName.OptOut, false, "opted out of both channels (mqtt and webhook)"),
            (true, false) => new(RuleName.OptOut, true, "opted out of mqtt only; webhook still delivers"),
            (false, true) => new(RuleName.OptOut, true, "opted out of webhook only; mqtt still delivers"),
            _ => new(RuleName.OptOut, true, "not opted out"),
        };
    }

    /// <summary>Quiet hours [start, end) on the local wall clock; start &gt; end crosses midnight; start = end is no quiet hours.</summary>
    private static RuleCheck QuietHours(DateTime localNow, TimeZoneInfo zone, TimeOnly start, TimeOnly end)
    {
        var window = $"{RuleValues.FormatTime(start)}–{RuleValues.FormatTime(end)}";
        if (start == end)
        {
            return new(RuleName.QuietHours, true, $"no quiet hours (start = end {RuleValues.FormatTime(start)})");
        }

        var t = TimeOnly.FromDateTime(localNow);
        bool quiet = start < end ? t >= start && t < end : t >= start || t < end;
        var local = $"{RuleValues.FormatTime(t)} local ({zone.Id})";
        return quiet
            ? new(RuleName.QuietHours, false, $"{local} in quiet hours {window}")
            : new(RuleName.QuietHours, true, $"{local} outside quiet hours {window}");
    }

    private static RuleCheck Threshold(in RuleCandidate candidate, in EffectiveRules rules)
    {
        var from = rules.ThresholdLearned is { } learned ? learned : rules.ThresholdFrom switch
        {
            RuleScopeKind.Category => $"category {candidate.Category}",
            RuleScopeKind.Item => $"item {candidate.ItemId}",
            RuleScopeKind.UserItem => "user+item",
            var kind => RuleScope.KindName(kind),
        };

        bool passed = candidate.Osr >= rules.Threshold; // NaN fails
        var op = passed ? "≥" : "<";
        return new(RuleName.Threshold, passed,
            $"osr {RuleValues.Brief(candidate.Osr)} {op} threshold {RuleValues.Brief(rules.Threshold)} ({from})");
    }

    private static RuleCheck GapSimilar(in RuleCandidate candidate, in EffectiveRules rules, in HistoryScan scan, long nowUtcTicks)
    {
        if (scan.LastSimilar is not { } last)
        {
            return new(RuleName.GapSimilar, true, $"no {candidate.Category} or similar push before");
        }

        var age = TimeSpan.FromTicks(nowUtcTicks - last.SentUtcTicks);
        bool passed = age >= rules.GapSimilar;
        var what = scan.LastSimilarCosine is { } cosine
            ? $"last similar push ({last.Category} {last.ItemId}, cosine {RuleValues.Brief(cosine)} ≥ {RuleValues.Brief(rules.SimilarCosine)})"
            : $"last {last.Category} push";
        return new(RuleName.GapSimilar, passed,
            $"{what} {Age(age)} ago {(passed ? "≥" : "<")} {RuleValues.FormatDuration(rules.GapSimilar)}");
    }

    private static RuleCheck Reeligible(in RuleCandidate candidate, in EffectiveRules rules, in HistoryScan scan, long nowUtcTicks)
    {
        if (scan.LastSameItemUtcTicks is not { } sent)
        {
            return new(RuleName.Reeligible, true, $"{candidate.ItemId} not pushed before");
        }

        var age = TimeSpan.FromTicks(nowUtcTicks - sent);
        bool passed = age >= rules.ReeligibleAfter;
        return new(RuleName.Reeligible, passed,
            $"{candidate.ItemId} last pushed {Age(age)} ago {(passed ? "≥" : "<")} {RuleValues.FormatDuration(rules.ReeligibleAfter)}");
    }

    private static RuleCheck Staleness(in EffectiveRules rules, long nowUtcTicks, long stateUtcTicks)
    {
        var age = TimeSpan.FromTicks(nowUtcTicks - stateUtcTicks);
        if (age < TimeSpan.Zero)
        {
            return new(RuleName.Staleness, true, $"state {Age(age.Negate())} ahead of the clock");
        }

        bool passed = age <= rules.StalenessMax;
        return new(RuleName.Staleness, passed,
            $"state {Age(age)} old {(passed ? "≤" : ">")} {RuleValues.FormatDuration(rules.StalenessMax)}");
    }

    /// <summary>An elapsed time for a detail, to the whole second: "2h10m", "45s", "0s".</summary>
    private static string Age(TimeSpan age) =>
        RuleValues.FormatDuration(TimeSpan.FromTicks(age.Ticks - (age.Ticks % TimeSpan.TicksPerSecond)));

    /// <summary>Local wall time of a UTC instant in <paramref name="zone"/> (DST-correct per instant).</summary>
    private static DateTime ToLocal(long utcTicks, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(new DateTime(utcTicks, DateTimeKind.Utc), zone);

    /// <summary>What the history says about one candidate, gathered in one pass.</summary>
    private readonly record struct HistoryScan(PushRecord? LastSimilar, double? LastSimilarCosine, long? LastSameItemUtcTicks, int Today, int ThisWeek)
    {
        public static HistoryScan Run(in RuleCandidate candidate, in EffectiveRules rules, IReadOnlyList<PushRecord> history,
            long nowUtcTicks, TimeZoneInfo zone, DateOnly today)
        {
            int weekStart = today.DayNumber - (((int)today.DayOfWeek + 6) % 7); // ISO week: Monday
            PushRecord? lastSimilar = null;
            double? lastSimilarCosine = null;
            long? lastSameItem = null;
            int todayCount = 0, weekCount = 0;

            for (int i = 0; i < history.Count; i++)
            {
                var push = history[i];
                if (push is null || push.SentUtcTicks < 0 || push.SentUtcTicks > DateTime.MaxValue.Ticks)
                {
                    continue;
                }

                long sent = push.SentUtcTicks;
                bool past = sent <= nowUtcTicks;
                if (past)
                {
                    if (string.Equals(push.ItemId, candidate.ItemId, StringComparison.Ordinal) && sent > (lastSameItem ?? long.MinValue))
                    {
                        lastSameItem = sent;
                    }

                    if (sent > (lastSimilar?.SentUtcTicks ?? long.MinValue))
                    {
                        if (string.Equals(push.Category, candidate.Category, StringComparison.Ordinal))
                        {
                            lastSimilar = push;
                            lastSimilarCosine = null;
                        }
                        else if (SimilarByFactor(push.Factor, candidate.Factor, rules.SimilarCosine, out var cosine))
                        {
                            lastSimilar = push;
                            lastSimilarCosine = cosine;
                        }
                    }
                }

                if (Math.Abs(sent - nowUtcTicks) > WeekReachTicks)
                {
                    continue;
                }

                var day = DateOnly.FromDateTime(ToLocal(sent, zone));
                if (day == today)
                {
                    todayCount++;
                    weekCount++;
                }
                else if (past && day.DayNumber >= weekStart && day.DayNumber < weekStart + 7)
                {
                    weekCount++;
                }
            }

            return new HistoryScan(lastSimilar, lastSimilarCosine, lastSameItem, todayCount, weekCount);
        }

        private static bool SimilarByFactor(float[]? pushed, float[]? candidate, double bound, out double cosine)
        {
            cosine = double.NaN;
            if (pushed is null || candidate is null || pushed.Length != candidate.Length || pushed.Length == 0)
            {
                return false;
            }

            cosine = Cosine(pushed, candidate);
            return cosine >= bound; // NaN is never similar
        }
    }
}
