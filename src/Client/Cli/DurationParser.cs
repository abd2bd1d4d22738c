using System.Globalization;

namespace Osr.Orleans.Client.Cli;

/// <summary>
/// Parses durations written as in docs/contract.md (<c>30s</c>, <c>5m</c>, <c>1h</c>, <c>6h</c>), also combined
/// (<c>1h30m</c>) and with <c>ms</c> and <c>d</c>. Each part is a non-negative decimal number and a unit;
/// the total must be greater than zero. A bare number, a sign or an unknown unit is refused.
/// </summary>
public static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a duration is required, e.g. 30s, 5m, 1h";
            return false;
        }

        var s = text.Trim().AsSpan();
        if (s[0] is '-' or '+')
        {
            error = $"'{text}' is not a valid duration: it must be positive, e.g. 30s, 5m, 1h";
            return false;
        }

        double totalMs = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start || !double.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                error = $"'{text}' is not a valid duration: use a number and a unit (ms, s, m, h, d), e.g. 30s, 5m, 1h30m";
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i])) i++;
            double unitMs = s[unitStart..i] switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => double.NaN,
            };
            if (double.IsNaN(unitMs))
            {
                error = unitStart == i
                    ? $"'{text}' is not a valid duration: the unit is missing (ms, s, m, h, d), e.g. 30s"
                    : $"'{text}' is not a valid duration: unknown unit '{s[unitStart..i]}' (use ms, s, m, h, d)";
                return false;
            }

            totalMs += value * unitMs;
        }

        if (!(totalMs > 0) || totalMs > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            error = $"'{text}' is not a valid duration: it must be greater than zero";
            return false;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    /// <summary>Formats as the shortest of <c>1h30m</c>, <c>45s</c>, <c>250ms</c>.</summary>
    public static string Format(TimeSpan d)
    {
        if (d.TotalSeconds < 1) return $"{d.TotalMilliseconds:0}ms";
        var parts = new List<string>(3);
        if (d.Days > 0) parts.Add($"{d.Days}d");
        if (d.Hours > 0) parts.Add($"{d.Hours}h");
        if (d.Minutes > 0) parts.Add($"{d.Minutes}m");
        if (d.Seconds > 0 || parts.Count == 0) parts.Add($"{d.Seconds}s");
        return string.Concat(parts);
    }
}
