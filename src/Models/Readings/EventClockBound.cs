namespace Osr.Orleans.Models.Readings;

/// <summary>
/// Under the event clock (<see cref="ClockMode.Event"/>) a user's clock is the latest reading time applied, so one
/// reading far in the future (a device with a broken clock, a typo'd year 9999) would move the user's clock there and
/// every later reading would be stale. This bound refuses a reading more than <c>maxLead</c> ahead of both the user's
/// event time and the wall clock: a replay of past data may jump over any gap up to the present, a simulated future
/// may run ahead of the wall clock only <c>maxLead</c> at a time.
/// </summary>
public static class EventClockBound
{
    /// <summary>The latest acceptable reading time (UTC ticks), saturating instead of overflowing.</summary>
    public static long Latest(long userEventUtcTicks, long wallUtcTicks, TimeSpan maxLead)
    {
        var anchor = Math.Max(userEventUtcTicks, wallUtcTicks);
        return anchor > DateTime.MaxValue.Ticks - maxLead.Ticks ? DateTime.MaxValue.Ticks : anchor + maxLead.Ticks;
    }

    /// <summary>Index of the first reading beyond <paramref name="latestUtcTicks"/>, or −1 when all are within it.</summary>
    public static int FirstBeyond(ReadOnlySpan<Reading> readings, long latestUtcTicks)
    {
        for (var i = 0; i < readings.Length; i++)
            if (readings[i].TimestampUtcTicks > latestUtcTicks) return i;
        return -1;
    }
}
