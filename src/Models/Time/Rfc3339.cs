namespace Osr.Orleans.Models.Time;

/// <summary>
/// The one RFC 3339 §5.6 <c>date-time</c> parser of the system (readings, events, CSV imports,
/// console arguments): <c>YYYY-MM-DD"T"HH:MM:SS[.frac]("Z"|±HH:MM)</c>, with <c>t</c>/<c>z</c>
/// accepted in lower case. The offset is mandatory — a time without one is local to an unknown
/// zone. Fraction digits below 100 ns are truncated; a leap second (<c>:60</c>), 24:00 and any
/// non-ASCII digit are refused. utc = local − offset.
/// Range: 0001-01-01T00:00:00Z ≤ result ≤ 9999-12-31T23:59:59.9999999Z; text ≤ <see cref="MaxLength"/>.
/// </summary>
public static class Rfc3339
{
    /// <summary>Longest text considered; longer is refused.</summary>
    public const int MaxLength = 64;

    public const string Example = "2026-11-23T18:02:11Z or 2026-11-23T19:02:11+01:00";

    /// <summary>Parses UTF-8 text into UTC ticks. Allocation-free.</summary>
    public static bool TryParseUtcTicks(ReadOnlySpan<byte> utf8, out long utcTicks) =>
        TryParse(utf8, out utcTicks, out _);

    /// <summary>Parses text into UTC ticks. Allocation-free.</summary>
    public static bool TryParseUtcTicks(ReadOnlySpan<char> text, out long utcTicks)
    {
        utcTicks = 0;
        Span<byte> ascii = stackalloc byte[MaxLength];
        return ToAscii(text, ascii) is { } n && TryParse(ascii[..n], out utcTicks, out _);
    }

    /// <summary>
    /// Parses text into an instant that keeps its offset. Offsets beyond ±14:00, which RFC 3339
    /// allows but <see cref="DateTimeOffset"/> cannot hold, are refused.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        Span<byte> ascii = stackalloc byte[MaxLength];
        if (ToAscii(text, ascii) is not { } n || !TryParse(ascii[..n], out var utc, out var offset)) return false;
        var local = utc + offset;
        if (Math.Abs(offset) > TimeSpan.FromHours(14).Ticks || local < 0 || local > DateTime.MaxValue.Ticks) return false;
        value = new DateTimeOffset(local, new TimeSpan(offset));
        return true;
    }

    private static int? ToAscii(ReadOnlySpan<char> text, Span<byte> ascii)
    {
        if (text.Length > ascii.Length) return null;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 0x7F) return null;
            ascii[i] = (byte)text[i];
        }
        return text.Length;
    }

    private static bool TryParse(ReadOnlySpan<byte> s, out long utcTicks, out long offsetTicks)
    {
        utcTicks = 0;
        offsetTicks = 0;
        if (s.Length < 20 || s.Length > MaxLength
            || !TryDigits(s.Slice(0, 4), out var year) || s[4] != (byte)'-'
            || !TryDigits(s.Slice(5, 2), out var month) || s[7] != (byte)'-'
            || !TryDigits(s.Slice(8, 2), out var day) || (s[10] | 0x20) != (byte)'t'
            || !TryDigits(s.Slice(11, 2), out var hour) || s[13] != (byte)':'
            || !TryDigits(s.Slice(14, 2), out var minute) || s[16] != (byte)':'
            || !TryDigits(s.Slice(17, 2), out var second))
            return false;

        var i = 19;
        long fraction = 0;
        if (s[i] == (byte)'.')
        {
            var start = ++i;
            var scale = TimeSpan.TicksPerSecond;
            for (; i < s.Length && IsDigit(s[i]); i++)
            {
                if (scale <= 1) continue;
                scale /= 10;
                fraction += (s[i] - '0') * scale;
            }
            if (i == start) return false;
        }

        if (i >= s.Length) return false; // no offset: local time of an unknown zone
        var sign = s[i];
        if ((sign | 0x20) == (byte)'z')
        {
            if (i + 1 != s.Length) return false;
        }
        else if (sign is (byte)'+' or (byte)'-')
        {
            if (i + 6 != s.Length
                || !TryDigits(s.Slice(i + 1, 2), out var offsetHours) || s[i + 3] != (byte)':'
                || !TryDigits(s.Slice(i + 4, 2), out var offsetMinutes)
                || offsetHours > 23 || offsetMinutes > 59)
                return false;
            offsetTicks = ((offsetHours * 60L) + offsetMinutes) * TimeSpan.TicksPerMinute * (sign == (byte)'-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
            return false;

        var utc = new DateTime(year, month, day, hour, minute, second).Ticks + fraction - offsetTicks;
        if (utc < 0 || utc > DateTime.MaxValue.Ticks) return false;
        utcTicks = utc;
        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            if (!IsDigit(b)) return false;
            value = (value * 10) + (b - '0');
        }
        return true;
    }
}
