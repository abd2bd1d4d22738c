using System.Collections.Concurrent;
using System.Security;

namespace Osr.Orleans.Models.Features;

/// <summary>
/// Resolves a profile's IANA time zone once and caches the <see cref="TimeZoneInfo"/>, so the
/// per-reading path does a dictionary hit instead of a system lookup. An unknown or invalid
/// id resolves to UTC (and that answer is cached too).
/// </summary>
public static class UserTimeZones
{
    /// <summary>Bound on distinct ids kept; beyond it lookups still work, uncached.</summary>
    private const int MaxCached = 1024;

    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Cache = new(StringComparer.Ordinal);

    /// <summary>The zone for an IANA id such as <c>Europe/Amsterdam</c>; UTC when null, empty or unknown.</summary>
    public static TimeZoneInfo Resolve(string? timeZoneId)
    {
        if (string.IsNullOrWhiteSpace(timeZoneId))
        {
            return TimeZoneInfo.Utc;
        }

        if (Cache.TryGetValue(timeZoneId, out var zone))
        {
            return zone;
        }

        zone = Find(timeZoneId);
        if (Cache.Count < MaxCached)
        {
            Cache.TryAdd(timeZoneId, zone);
        }

        return zone;
    }

    /// <summary>Local wall time in the given zone of a UTC instant given as ticks.</summary>
    public static DateTime ToLocal(long utcTicks, string? timeZoneId) =>
        TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), Resolve(timeZoneId));

    private static TimeZoneInfo Find(string timeZoneId)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException
            or ArgumentException or IOException or UnauthorizedAccessException or SecurityException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}
