namespace Osr.Orleans.Models;

/// <summary>
/// The one rule for device, user, item and notification ids: 1–64 characters of
/// [A-Za-z0-9._:-]. Ids appear as MQTT topic levels and CSV fields, so '/', '+', '#', spaces
/// and control characters are refused.
/// </summary>
public static class Ids
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength) return false;
        foreach (var c in id)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-';
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>The error message for an invalid id, naming what it is.</summary>
    public static string InvalidMessage(string what, string? id) =>
        $"{what} '{id}' is not a valid id: use 1–{MaxLength} characters of A–Z, a–z, 0–9, '.', '_', ':', '-'";
}
