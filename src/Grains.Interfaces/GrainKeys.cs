using Osr.Orleans.Models;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Identifier rules shared by the ingress, the console and the grains. Device and user ids
/// appear in MQTT topic levels, so they must not contain '/', '+', '#' or control characters.
/// </summary>
public static class GrainKeys
{
    public const int MaxIdLength = Ids.MaxLength;

    /// <summary>Key of the singleton statistics grain.</summary>
    public const string Global = "global";

    /// <summary>True for 1–64 characters of [A-Za-z0-9._:-] (see <see cref="Ids"/>).</summary>
    public static bool IsValidId(ReadOnlySpan<char> id) => Ids.IsValid(id);

    /// <summary>The error message for an invalid id, naming what it is.</summary>
    public static string InvalidIdMessage(string what, string? id) => Ids.InvalidMessage(what, id);
}
