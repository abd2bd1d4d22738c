namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Identifier rules shared by the ingress, the console and the grains. Device and user ids
/// appear in MQTT topic levels, so they must not contain '/', '+', '#' or control characters.
/// </summary>
public static class GrainKeys
{
    public const int MaxIdLength = 64;

    /// <summary>Key of the singleton statistics grain.</summary>
    public const string Global = "global";

    /// <summary>True for 1–64 characters of [A-Za-z0-9._:-] (safe as an MQTT topic level and a CSV field).</summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxIdLength) return false;
        foreach (var c in id)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-';
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>The error message for an invalid id, naming what it is.</summary>
    public static string InvalidIdMessage(string what, string? id) =>
        $"{what} '{id}' is not a valid id: use 1–{MaxIdLength} characters of A–Z, a–z, 0–9, '.', '_', ':', '-'";
}
