using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

internal static class Readings
{
    public static Reading Hr(long seq, DateTimeOffset ts, double hr) =>
        new(seq, ts.UtcTicks, hr, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>A steady resting heart rate, one reading per second from <paramref name="start"/>.</summary>
    public static Reading[] Resting(long firstSeq, DateTimeOffset start, int count, double hr = 62) =>
        [.. Enumerable.Range(0, count).Select(i => Hr(firstSeq + i, start.AddSeconds(i), hr + (i % 3) - 1))];

    public static string Json(long seq, DateTimeOffset ts, double hr) =>
        $$"""{"seq":{{seq}},"ts":"{{ts.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}","hr":{{hr.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";
}
