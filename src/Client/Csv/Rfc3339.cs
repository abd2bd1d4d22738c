namespace Osr.Orleans.Client.Csv;

/// <summary>
/// Parses RFC 3339 §5.6 timestamps as docs/contract.md requires them: <c>YYYY-MM-DDTHH:MM:SS[.fraction]</c>
/// followed by <c>Z</c> or <c>±hh:mm</c> (<c>t</c>/<c>z</c> in lower case too). The offset is mandatory —
/// a time without one is local to an unknown zone. Fraction digits below 100 ns are truncated; a leap
/// second (<c>:60</c>) is refused. The result is UTC ticks (local time minus offset).
/// </summary>
public static class Rfc3339
{
    public const string Example = "2026-11-23T18:02:11Z or 2026-11-23T19:02:11+01:00";

    public static bool TryParseUtcTicks(ReadOnlySpan<char> s, out long utcTicks)
    {
        utcTicks = 0;
        if (s.Length < 20
            || !Digits(s, 0, 4, out var year) || s[4] != '-'
            || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || s[10] is not ('T' or 't')
            || !Digits(s, 11, 2, out var hour) || s[13] != ':'
            || !Digits(s, 14, 2, out var minute) || s[16] != ':'
            || !Digits(s, 17, 2, out var second))
            return false;

        var i = 19;
        long fraction = 0;
        if (s[i] == '.')
        {
            var first = ++i;
            var scale = TimeSpan.TicksPerSecond;
            for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
            {
                scale /= 10;
                fraction += (s[i] - '0') * scale;
            }

            if (i == first) return false;
        }

        if (i >= s.Length) return false;
        long offsetTicks;
        if (s[i] is 'Z' or 'z')
        {
            if (i + 1 != s.Length) return false;
            offsetTicks = 0;
        }
        else if (s[i] is '+' or '-')
        {
            if (i + 6 != s.Length || !Digits(s, i + 1, 2, out var oh) || s[i + 3] != ':' || !Digits(s, i + 4, 2, out var om) || oh > 23 || om > 59)
                return false;
            offsetTicks = ((oh * 60L) + om) * TimeSpan.TicksPerMinute * (s[i] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fraction - offsetTicks;
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks) return false;
        utcTicks = ticks;
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i])) return false;
            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }
}
