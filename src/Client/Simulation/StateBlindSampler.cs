namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// The state-blind baseline of the backtest: a scheduler that knows a person's day and quiet hours but not their
/// state would push at a uniformly random instant of the waking part of the day. For a push on local day d in zone
/// z, <see cref="Sample"/> draws K instants uniformly (in elapsed time) from [07:00, 22:00) local on d, i.e. outside
/// the quiet hours 22:00–07:00, with the counter-based <see cref="SimRandom"/> (deterministic for a key).
/// <para>
/// Local wall times that do not exist (a spring-forward gap) move forward by the gap; ambiguous ones (fall-back)
/// take their first occurrence. Every drawn instant is checked against the zone and redrawn if it fell into the
/// quiet hours or on another day, so no quiet instant is returned even when a transition lies in the waking window.
/// </para>
/// </summary>
public static class StateBlindSampler
{
    /// <summary>Quiet hours start (local): the default of the notification rules.</summary>
    public static readonly TimeOnly QuietStart = new(22, 0);

    /// <summary>Quiet hours end (local).</summary>
    public static readonly TimeOnly QuietEnd = new(7, 0);

    /// <summary>Draws per push in the backtest's comparison.</summary>
    public const int DefaultSamples = 20;

    private const int MaxRedraws = 64;

    /// <summary>Whether <paramref name="time"/> is in the quiet hours (22:00–07:00) of <paramref name="zone"/>.</summary>
    public static bool IsQuiet(DateTimeOffset time, TimeZoneInfo zone)
    {
        var local = TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(time, zone).TimeOfDay);
        return local >= QuietStart || local < QuietEnd;
    }

    /// <summary>The local calendar day of <paramref name="time"/> in <paramref name="zone"/>.</summary>
    public static DateOnly LocalDay(DateTimeOffset time, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, zone).DateTime);

    /// <summary>The instants of 07:00 and 22:00 local on <paramref name="day"/>.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) WakingWindow(DateOnly day, TimeZoneInfo zone) =>
        (LocalToUtc(day.ToDateTime(QuietEnd), zone), LocalToUtc(day.ToDateTime(QuietStart), zone));

    /// <summary>
    /// The instant of local wall time <paramref name="local"/> in <paramref name="zone"/>: a time in a spring-forward
    /// gap moves forward by the gap, an ambiguous one takes its first occurrence (the larger offset).
    /// </summary>
    public static DateTimeOffset LocalToUtc(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // In a gap: the offset just before it applies, so the instant lands after the gap by the same distance.
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return new DateTimeOffset(local - before, TimeSpan.Zero);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local - offset, TimeSpan.Zero);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with instants of local day <paramref name="day"/> outside the quiet hours,
    /// uniform in elapsed time over the waking window, a pure function of (<paramref name="key"/>, index).
    /// </summary>
    public static void Sample(DateOnly day, TimeZoneInfo zone, ulong key, Span<DateTimeOffset> destination)
    {
        var (from, to) = WakingWindow(day, zone);
        var span = Math.Max(0, (to - from).Ticks);
        for (var i = 0; i < destination.Length; i++)
        {
            var h = SimRandom.Hash(key, (ulong)i);
            var chosen = from;
            for (var attempt = 0; attempt < MaxRedraws; attempt++)
            {
                var t = from.AddTicks((long)(SimRandom.Uniform(h, attempt) * span));
                if (!IsQuiet(t, zone) && LocalDay(t, zone) == day)
                {
                    chosen = t;
                    break;
                }
            }

            destination[i] = chosen;
        }
    }

    /// <summary>As <see cref="Sample(DateOnly, TimeZoneInfo, ulong, Span{DateTimeOffset})"/>, <paramref name="count"/> instants.</summary>
    public static DateTimeOffset[] Sample(DateOnly day, TimeZoneInfo zone, ulong key, int count)
    {
        var result = new DateTimeOffset[count];
        Sample(day, zone, key, result);
        return result;
    }
}
