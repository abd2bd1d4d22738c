// Design: the exploration floor under the online model (docs/notifications.md "Budget-aware threshold", docs/decisions.md 92).
//
// * explore.rate is the share of a user's pushes that are explored, not a share of the daily cap: the floor explores
//   about explore.rate × (the pushes the user gets a day) — the basis, PushesPerDay — spread over waking time. With a
//   selective policy (a few pushes a week) a floor sized by the cap made most pushes explored ones, at state-blind
//   moments, whatever the model knew. Until a whole day has been observed the basis is cap.day (nothing else is known).
namespace Osr.Orleans.Models.Scoring;

/// <summary>How often a pass explores (sends a candidate only the threshold holds back) under the online model.</summary>
public static class ExplorationFloor
{
    /// <summary>Whole local days the basis looks back at most.</summary>
    public const int BasisDays = 7;

    /// <summary>The smallest basis: as if the user got one push a week, so that a user nothing is sent to still explores.</summary>
    public const double MinPushesPerDay = 1.0 / BasisDays;

    /// <summary>
    /// The basis of the floor: pushes a day over the last whole local days (at most <see cref="BasisDays"/>, all after
    /// <paramref name="firstDayNumber"/>, the local day of the user's first pass, which was seen only in part; today not
    /// counted), at least
    /// <see cref="MinPushesPerDay"/> and at most <paramref name="capDay"/>; <paramref name="capDay"/> while no whole day
    /// has been observed (<paramref name="firstDayNumber"/> 0 = none yet).
    /// </summary>
    public static double PushesPerDay(IReadOnlyList<Rules.PushRecord> sent, DateOnly today, TimeZoneInfo zone, int firstDayNumber, int capDay)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(zone);
        // Whole days: after the day of the first pass (seen only from that pass on) and before today.
        var days = Math.Min(BasisDays, today.DayNumber - firstDayNumber - 1);
        if (firstDayNumber <= 0 || days < 1) return Math.Max(capDay, 0);
        var from = today.DayNumber - days;
        var count = 0;
        foreach (var push in sent)
        {
            if (push is null || push.SentUtcTicks < 0 || push.SentUtcTicks > DateTime.MaxValue.Ticks) continue;
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(new DateTime(push.SentUtcTicks, DateTimeKind.Utc), zone)).DayNumber;
            if (day >= from && day < today.DayNumber) count++;
        }
        return Math.Clamp((double)count / days, MinPushesPerDay, Math.Max(capDay, MinPushesPerDay));
    }

    /// <summary>
    /// The exploration floor per pass: explore.rate × min(1, pushes a day / passes a day), so that the floor spends about
    /// explore.rate of the pushes however often a user is scored (the draws do the rest); explore.rate itself while the
    /// passes a day are unknown.
    /// </summary>
    public static double ExploreFloor(double exploreRate, double pushesPerDay, double passesPerDay) =>
        double.IsFinite(passesPerDay) && passesPerDay > 0 ? exploreRate * Math.Min(1, pushesPerDay / passesPerDay) : exploreRate;

    /// <summary>
    /// The exploration chance of a pass spread evenly over waking time rather than over passes: 1 − exp(−λ·Δt) with
    /// λ = explore.rate × pushes a day (<see cref="PushesPerDay"/>) / waking hours a day and Δt the waking hours since the user's previous pass. A day
    /// then holds about explore.rate × pushes a day explored pushes wherever the passes fall, and states that produce many
    /// passes (the state changes often) are not explored more often than calm ones. Range [0, 1].
    /// </summary>
    public static double ExploreChance(double exploreRate, double pushesPerDay, double wakingHoursPerDay, double elapsedWakingHours)
    {
        if (!(exploreRate > 0) || !(pushesPerDay > 0) || !(wakingHoursPerDay > 0) || !(elapsedWakingHours > 0)) return 0;
        var lambda = exploreRate * pushesPerDay / wakingHoursPerDay;
        return Math.Clamp(1 - Math.Exp(-lambda * Math.Min(elapsedWakingHours, wakingHoursPerDay)), 0, 1);
    }

    /// <summary>
    /// Waking hours (outside quiet hours [<paramref name="quietStart"/>, <paramref name="quietEnd"/>)) between
    /// <paramref name="fromLocal"/> and <paramref name="toLocal"/> (local times; 0 when to ≤ from), counted per minute
    /// boundary of the quiet window, over at most two days.
    /// </summary>
    public static double WakingHoursBetween(DateTime fromLocal, DateTime toLocal, TimeOnly quietStart, TimeOnly quietEnd)
    {
        if (toLocal <= fromLocal) return 0;
        if (toLocal - fromLocal > TimeSpan.FromDays(2)) fromLocal = toLocal - TimeSpan.FromDays(2);
        double hours = 0;
        var day = fromLocal.Date.AddDays(-1);
        while (day <= toLocal.Date)
        {
            // The waking interval(s) of this calendar day: [quietEnd, quietStart) when quietEnd < quietStart (a night quiet
            // window), else [0, quietStart) and [quietEnd, 24h) — or the whole day when there are no quiet hours.
            if (quietStart == quietEnd) hours += Overlap(day, day.AddDays(1));
            else if (quietEnd < quietStart) hours += Overlap(day + quietEnd.ToTimeSpan(), day + quietStart.ToTimeSpan());
            else
            {
                hours += Overlap(day, day + quietStart.ToTimeSpan());
                hours += Overlap(day + quietEnd.ToTimeSpan(), day.AddDays(1));
            }
            day = day.AddDays(1);
        }
        return hours;

        double Overlap(DateTime a, DateTime b) => OverlapHours(a, b, fromLocal, toLocal);
    }

    /// <summary>Hours [<paramref name="a"/>, <paramref name="b"/>) and [<paramref name="from"/>, <paramref name="to"/>) have in common (0 when disjoint).</summary>
    public static double OverlapHours(DateTime a, DateTime b, DateTime from, DateTime to)
    {
        var start = a > from ? a : from;
        var end = b < to ? b : to;
        return end > start ? (end - start).TotalHours : 0;
    }

    /// <summary>The waking share (outside quiet hours [<paramref name="quietStart"/>, <paramref name="quietEnd"/>)) of each local hour 0–23, in [0, 1].</summary>
    public static void WakingShareByHour(TimeOnly quietStart, TimeOnly quietEnd, Span<double> share)
    {
        if (share.Length < 24) throw new ArgumentException("needs 24 slots.", nameof(share));
        var day = new DateTime(2000, 1, 3);
        for (var h = 0; h < 24; h++) share[h] = WakingHoursBetween(day.AddHours(h), day.AddHours(h + 1), quietStart, quietEnd);
    }

    /// <summary>Waking hours a day outside quiet hours [<paramref name="quietStart"/>, <paramref name="quietEnd"/>) (24 when they are equal).</summary>
    public static double WakingHoursPerDay(TimeOnly quietStart, TimeOnly quietEnd)
    {
        if (quietStart == quietEnd) return 24;
        var quiet = (quietEnd.ToTimeSpan() - quietStart.ToTimeSpan()).TotalHours;
        if (quiet < 0) quiet += 24;
        return 24 - quiet;
    }
}
