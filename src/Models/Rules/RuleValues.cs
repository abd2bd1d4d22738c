using System.Globalization;
using System.Text;

namespace Osr.Orleans.Models.Rules;

/// <summary>
/// Parsing and formatting of rule values, shared by <see cref="RuleSet.TryApply"/> and the CLI.
/// Only ASCII digits are accepted, surrounding white space is ignored, nothing else is.
/// </summary>
public static class RuleValues
{
    /// <summary>Longest duration accepted.</summary>
    public static TimeSpan MaxDuration { get; } = TimeSpan.FromDays(365);

    private const long MsPerSecond = 1000;
    private const long MsPerMinute = 60 * MsPerSecond;
    private const long MsPerHour = 60 * MsPerMinute;
    private const long MsPerDay = 24 * MsPerHour;
    private static readonly long MaxMs = (long)MaxDuration.TotalMilliseconds;

    /// <summary>
    /// Parses "6h", "30m", "90s", "2d", "1h30m", "500ms" (also "0"): whole numbers with units
    /// d, h, m, s, ms, largest first, each at most once. Rejects empty, negative, fractional,
    /// unknown units, overflow and anything above 365d. Zero is accepted here.
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text is null)
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        if (s.Length is 0 or > 64)
        {
            return false;
        }

        if (s is "0")
        {
            return true;
        }

        long totalMs = 0;
        long lastUnit = long.MaxValue;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            long number = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                number = (number * 10) + (s[i] - '0');
                if (number > MaxMs)
                {
                    return false;
                }

                i++;
            }

            if (i == start || i == s.Length)
            {
                return false; // no digits, or digits without a unit
            }

            long unit;
            char c = char.ToLowerInvariant(s[i]);
            if (c == 'm' && i + 1 < s.Length && char.ToLowerInvariant(s[i + 1]) == 's')
            {
                unit = 1;
                i += 2;
            }
            else
            {
                unit = c switch { 'd' => MsPerDay, 'h' => MsPerHour, 'm' => MsPerMinute, 's' => MsPerSecond, _ => 0 };
                if (unit == 0)
                {
                    return false;
                }

                i++;
            }

            if (unit >= lastUnit || number > (MaxMs - totalMs) / unit)
            {
                return false; // units out of order / repeated, or beyond 365d
            }

            totalMs += number * unit;
            lastUnit = unit;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>
    /// Formats a duration in the form <see cref="TryParseDuration"/> reads: "6h", "2h10m", "45s",
    /// "72h" (hours, never days), "1s500ms"; "0s" for zero; below a millisecond is dropped.
    /// </summary>
    public static string FormatDuration(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + FormatDuration(value == TimeSpan.MinValue ? TimeSpan.MaxValue : value.Negate());
        }

        long ms = value.Ticks / TimeSpan.TicksPerMillisecond;
        if (ms == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder(16);
        Append(ms / MsPerHour, "h");
        Append(ms % MsPerHour / MsPerMinute, "m");
        Append(ms % MsPerMinute / MsPerSecond, "s");
        Append(ms % MsPerSecond, "ms");
        return sb.ToString();

        void Append(long n, string unit)
        {
            if (n != 0)
            {
                sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }

    /// <summary>Parses a time of day "22:00", "7:05" (H:mm or HH:mm, 00:00–23:59); rejects 24:00, 25:00, seconds.</summary>
    public static bool TryParseTime(string text, out TimeOnly value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        int colon = s.IndexOf(':');
        if (colon is < 1 or > 2 || s.Length != colon + 3)
        {
            return false;
        }

        int hour = 0;
        for (int i = 0; i < colon; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            hour = (hour * 10) + (s[i] - '0');
        }

        if (!char.IsAsciiDigit(s[colon + 1]) || !char.IsAsciiDigit(s[colon + 2]))
        {
            return false;
        }

        int minute = ((s[colon + 1] - '0') * 10) + (s[colon + 2] - '0');
        if (hour > 23 || minute > 59)
        {
            return false;
        }

        value = new TimeOnly(hour, minute);
        return true;
    }

    /// <summary>"22:00".</summary>
    public static string FormatTime(TimeOnly value) => value.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a finite decimal number in [<paramref name="min"/>, <paramref name="max"/>]:
    /// invariant culture, optional sign, decimal point and exponent; no NaN, ∞, thousands
    /// separators, hex or non-ASCII digits. −0 becomes 0.
    /// </summary>
    public static bool TryParseNumber(string text, double min, double max, out double value)
    {
        value = 0;
        if (text is null)
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        if (s.Length is 0 or > 64
            || !double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var parsed)
            || !double.IsFinite(parsed) || parsed < min || parsed > max)
        {
            return false;
        }

        value = parsed == 0 ? 0 : parsed; // drops the sign of −0
        return true;
    }

    /// <summary>Parses a whole number ≥ 0 (optional sign, ASCII digits only, fits an int).</summary>
    public static bool TryParseCount(string text, out int value)
    {
        value = 0;
        if (text is null)
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        return s.Length is > 0 and <= 16
            && int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
            && value >= 0;
    }

    /// <summary>Shortest round-trip invariant text of a number: "0.75", "1", "-0.5".</summary>
    public static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static string FormatInt(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number for a human detail: at most 3 decimals ("0.62", "0.913").</summary>
    internal static string Brief(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// A user-supplied text echoed in an error: single-quoted, control and format characters (bidi
    /// overrides, zero-width) shown as '?',
    /// cut at 40 characters ("…" and the full length appended) so a huge input stays one short line.
    /// </summary>
    internal static string Quote(string? text)
    {
        if (text is null)
        {
            return "(null)";
        }

        const int Max = 40;
        var shown = text.Length <= Max ? text : text[..(char.IsHighSurrogate(text[Max - 1]) ? Max - 1 : Max)];
        var sb = new StringBuilder(shown.Length + 24).Append('\'');
        foreach (var c in shown)
        {
            sb.Append(char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format ? '?' : c);
        }

        sb.Append('\'');
        if (text.Length > Max)
        {
            sb.Append("… (").Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return sb.ToString();
    }
}
