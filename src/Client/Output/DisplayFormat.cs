using System.Globalization;

namespace Osr.Orleans.Client.Output;

/// <summary>How the console shows numbers and ages in tables (commands and the live views alike).</summary>
internal static class DisplayFormat
{
    /// <summary>The value in <paramref name="format"/> (invariant culture), or "—" when unknown or not finite.</summary>
    public static string Num(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    /// <summary>A short age: <c>42s</c>, <c>5m07s</c>, <c>3h12m</c> (negative counts as 0).</summary>
    public static string Ago(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return $"{d.TotalSeconds:0}s";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return $"{(int)d.TotalHours}h{d.Minutes:00}m";
    }
}
