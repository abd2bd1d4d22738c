using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Storage;

/// <summary>Encodings shared by the SQLite and PostgreSQL stores, so both hold the same bytes.</summary>
internal static class StoredFormats
{
    /// <summary>The decision log's columns, in the order the stores read them.</summary>
    public const string DecisionColumns =
        "decision_id, user_id, item_id, category, label, features, decided_at, state_at, outcome, reason, affinity, propensity, " +
        "raw, osr, threshold, send_probability, propensity_version, als_version, arm, segment";

    /// <summary>Features as little-endian IEEE 754 doubles, 8 bytes each (NaN payloads kept).</summary>
    public static byte[] EncodeFeatures(double[]? features)
    {
        features ??= [];
        var bytes = new byte[features.Length * sizeof(double)];
        for (var i = 0; i < features.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), features[i]);
        return bytes;
    }

    public static double[] DecodeFeatures(byte[] bytes)
    {
        var features = new double[bytes.Length / sizeof(double)];
        for (var i = 0; i < features.Length; i++) features[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)));
        return features;
    }

    /// <summary>Item tags as one <c>;</c>-separated string.</summary>
    public static string EncodeTags(IReadOnlyList<string>? tags) => string.Join(';', tags ?? []);

    public static string[] DecodeTags(string tags) => tags.Length == 0 ? [] : tags.Split(';');

    public static string EncodeRules(RuleSet rules) =>
        JsonSerializer.Serialize(StoredRuleSet.From(rules), StoredRulesJsonContext.Default.StoredRuleSet);

    public static RuleSet? DecodeRules(string json) =>
        JsonSerializer.Deserialize(json, StoredRulesJsonContext.Default.StoredRuleSet)?.ToRuleSet();
}

/// <summary>
/// The stored form of a <see cref="RuleSet"/> (column <c>json</c> of the rules table): flat and
/// explicit, so that the stored format does not follow the model's computed members.
/// </summary>
internal sealed record StoredRuleSet(long Version, DateTimeOffset ChangedAt, StoredRuleEntry[] Entries)
{
    public static StoredRuleSet From(RuleSet rules) => new(rules.Version, rules.ChangedAt,
        (rules.Entries ?? []).Select(e => new StoredRuleEntry(e.Key, e.Scope.Kind, e.Scope.User, e.Scope.Item, e.Scope.Category, e.Scope.Segment, e.Value)).ToArray());

    public RuleSet ToRuleSet() => new(Version,
        (Entries ?? []).Select(e => new RuleEntry(e.Key, new RuleScope(e.Kind, e.User, e.Item, e.Category, e.Segment), e.Value)).ToArray(),
        ChangedAt);
}

internal sealed record StoredRuleEntry(string Key, RuleScopeKind Kind, string? User, string? Item, string? Category, string? Segment, string Value);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredRuleSet))]
internal sealed partial class StoredRulesJsonContext : JsonSerializerContext;
