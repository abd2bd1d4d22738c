using System.Collections.Concurrent;
using System.Globalization;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Client.Csv;

/// <summary>
/// One row of a users CSV (docs/contract.md "Files": <c>userId,age,timezone,segment</c>): age empty or an
/// integer 5–120; timezone an IANA id known to this machine (<c>Europe/Amsterdam</c>, not a Windows
/// name); segment free text of at most 64 characters, empty meaning none.
/// </summary>
public sealed record UserRow(int Line, string UserId, int? Age, string TimeZoneId, string? Segment)
{
    public const int MinAge = 5;
    public const int MaxAge = 120;
    public const int MaxSegmentLength = 64;

    private static readonly string[] Required = ["userId", "timezone"];
    private static readonly string[] Optional = ["age", "segment"];
    private static readonly ConcurrentDictionary<string, string?> TimeZoneErrors = new(StringComparer.Ordinal);

    public UserProfile ToProfile() => new(Age, TimeZoneId, Segment);

    /// <summary>Checks the whole file (header, field counts, values, duplicate user ids) and reports every problem.</summary>
    public static CsvValidation<UserRow> ValidateAll(CsvTable table)
    {
        var errors = new List<RowError>();
        var rows = new List<UserRow>(table.Rows.Count);
        var columns = CsvColumns.Resolve(table.Header, Required, Optional, errors);
        if (columns is null) return new CsvValidation<UserRow>(rows, errors);
        if (table.Rows.Count == 0) errors.Add(new RowError(table.Header.Line, "the file has a header but no users"));

        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in table.Rows)
        {
            if (!columns.HasAllFields(record, errors)) continue;
            var line = record.Line;
            var userId = columns.Get(record, "userId");
            var ageText = columns.Get(record, "age");
            var timeZone = columns.Get(record, "timezone");
            var segment = columns.Get(record, "segment");

            var ok = true;
            if (!GrainKeys.IsValidId(userId))
            {
                errors.Add(new RowError(line, GrainKeys.InvalidIdMessage("user id", userId)));
                ok = false;
            }
            else if (!firstLine.TryAdd(userId, line))
            {
                errors.Add(new RowError(line, $"user '{userId}' is listed twice (first on line {firstLine[userId]})"));
                ok = false;
            }

            int? age = null;
            if (ageText.Length > 0)
            {
                if (!int.TryParse(ageText, NumberStyles.None, CultureInfo.InvariantCulture, out var a) || a is < MinAge or > MaxAge)
                {
                    errors.Add(new RowError(line, $"age '{ageText}' must be empty or a whole number from {MinAge} to {MaxAge}"));
                    ok = false;
                }
                else
                {
                    age = a;
                }
            }

            if (CheckTimeZone(timeZone) is { } timeZoneError)
            {
                errors.Add(new RowError(line, timeZoneError));
                ok = false;
            }

            if (segment.Length > MaxSegmentLength)
            {
                errors.Add(new RowError(line, $"segment is {segment.Length} characters long; at most {MaxSegmentLength} are allowed"));
                ok = false;
            }

            if (ok) rows.Add(new UserRow(line, userId, age, timeZone, segment.Length == 0 ? null : segment));
        }

        return new CsvValidation<UserRow>(rows, errors);
    }

    /// <summary>Null if <paramref name="id"/> is an IANA time zone this machine knows; otherwise why not.</summary>
    public static string? CheckTimeZone(string id) => TimeZoneErrors.GetOrAdd(id, static id =>
    {
        if (id.Length == 0) return "timezone is required (an IANA id such as Europe/Amsterdam or UTC)";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone))
            return $"timezone '{id}' is not a known IANA time zone id (e.g. Europe/Amsterdam, America/New_York, UTC)";
        if (zone.HasIanaId) return null;
        return TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var iana)
            ? $"timezone '{id}' is a Windows name; use the IANA id '{iana}'"
            : $"timezone '{id}' is not an IANA time zone id";
    });
}
