using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Osr.Orleans.Models.Audit;

/// <summary>
/// The before and after of audited changes as JSON, shaped here so that what is kept is decided in one
/// place: a device's owner, kind and status (never its secret or the secret's hash), a user's profile,
/// one rule's value, a model kind's active version. <see cref="Redact"/> drops secret-like properties from
/// anything else.
/// </summary>
public static class AuditRecords
{
    /// <summary>Property names never recorded, at any depth (case-insensitive).</summary>
    public static readonly IReadOnlySet<string> SecretNames =
        new HashSet<string>(["secret", "secretHash", "hash", "password", "token", "key", "privateKey"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The target of a <c>users forget</c> entry and of every entry it redacted: no id.</summary>
    public const string ErasedTarget = "(an erased user)";

    public static string Device(string userId, string kind, bool revoked, DateTimeOffset registeredAt) =>
        Json(new JsonObject
        {
            ["userId"] = userId,
            ["kind"] = kind,
            ["revoked"] = revoked,
            ["registeredAt"] = Time(registeredAt),
        });

    /// <summary>
    /// A new secret was issued; the secret itself is not recorded. <paramref name="brokerAccountInFile"/>: the silo did not
    /// create the device's broker account, the console writes it into the broker's dynamic-security file
    /// (<c>devices import --broker-file</c>); the entry says so (<c>"brokerAccount": "file"</c>).
    /// </summary>
    public static string DeviceWithNewSecret(string userId, string kind, bool revoked, DateTimeOffset registeredAt, bool brokerAccountInFile = false)
    {
        var record = new JsonObject
        {
            ["userId"] = userId,
            ["kind"] = kind,
            ["revoked"] = revoked,
            ["registeredAt"] = Time(registeredAt),
            ["newSecretIssued"] = true,
        };
        if (brokerAccountInFile) record["brokerAccount"] = "file";
        return Json(record);
    }

    public static string Profile(int? age, string timeZoneId, string? segment) =>
        Json(new JsonObject { ["age"] = age, ["timeZone"] = timeZoneId, ["segment"] = segment });

    /// <summary>One rule's value at one scope; null value = no override (the default applies).</summary>
    public static string Rule(string key, string scope, string? value) =>
        Json(new JsonObject { ["key"] = key, ["scope"] = scope, ["value"] = value });

    public static string ActiveModel(string kind, string? version) =>
        Json(new JsonObject { ["kind"] = kind, ["active"] = version });

    /// <summary>What a <c>users forget</c> removed: counts only (the user's id is the user's data).</summary>
    public static string Erasure(int devices, int grainStates, long interactions, long decisions, long feedback, long outbox) =>
        Json(new JsonObject
        {
            ["devices"] = devices,
            ["grainStates"] = grainStates,
            ["interactions"] = interactions,
            ["decisions"] = decisions,
            ["feedback"] = feedback,
            ["outbox"] = outbox,
        });

    /// <summary>A training job as started: the kind, whether it may promote, its id.</summary>
    public static string Training(string kind, bool promoteIfBetter, string jobId) =>
        Json(new JsonObject { ["kind"] = kind, ["promoteIfBetter"] = promoteIfBetter, ["jobId"] = jobId });

    /// <summary>Removes <see cref="SecretNames"/> properties at any depth; the text must be JSON.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static string Redact(string json)
    {
        var node = JsonNode.Parse(json);
        Strip(node);
        return node?.ToJsonString() ?? "null";
    }

    private static string Json(JsonObject value)
    {
        Strip(value);
        return value.ToJsonString();
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in o.Select(p => p.Key).Where(SecretNames.Contains).ToList()) o.Remove(name);
                foreach (var (_, child) in o) Strip(child);
                break;
            case JsonArray a:
                foreach (var child in a) Strip(child);
                break;
        }
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
