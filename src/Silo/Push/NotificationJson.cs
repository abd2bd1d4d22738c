using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Silo.Push;

/// <summary>
/// The wire form of a <see cref="Notification"/> (docs/contract.md "Notification"): UTF-8 JSON with
/// exactly the fields <c>notificationId, userId, itemId, category, osr, affinity, propensity,
/// state, ts, expiresAt</c>, times as RFC 3339 UTC with milliseconds and <c>Z</c>
/// (<c>2026-11-23T18:02:11.250Z</c>). The same bytes go to MQTT and to every webhook. A score
/// that is not a finite number is written as <c>null</c> (and read back as NaN).
/// </summary>
public static class NotificationJson
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly JsonEncodedText NotificationId = JsonEncodedText.Encode("notificationId");
    private static readonly JsonEncodedText UserId = JsonEncodedText.Encode("userId");
    private static readonly JsonEncodedText ItemId = JsonEncodedText.Encode("itemId");
    private static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Osr = JsonEncodedText.Encode("osr");
    private static readonly JsonEncodedText Affinity = JsonEncodedText.Encode("affinity");
    private static readonly JsonEncodedText Propensity = JsonEncodedText.Encode("propensity");
    private static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText ExpiresAt = JsonEncodedText.Encode("expiresAt");

    /// <summary>The contract's field names, in the order they are written.</summary>
    public static IReadOnlyList<string> FieldNames { get; } =
        ["notificationId", "userId", "itemId", "category", "osr", "affinity", "propensity", "state", "ts", "expiresAt"];

    /// <summary>UTF-8 JSON bytes of <paramref name="notification"/>.</summary>
    public static byte[] Serialize(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(NotificationId, notification.NotificationId);
            writer.WriteString(UserId, notification.UserId);
            writer.WriteString(ItemId, notification.ItemId);
            writer.WriteString(Category, notification.Category);
            WriteNumber(writer, Osr, notification.Osr);
            WriteNumber(writer, Affinity, notification.Affinity);
            WriteNumber(writer, Propensity, notification.Propensity);
            writer.WriteString(State, notification.State);
            WriteTime(writer, Ts, notification.Ts);
            WriteTime(writer, ExpiresAt, notification.ExpiresAt);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a notification written by <see cref="Serialize"/> (or any producer of the contract's
    /// shape; unknown fields are ignored).
    /// </summary>
    /// <exception cref="FormatException">The payload is not JSON or a required field is missing or mistyped.</exception>
    public static Notification Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new FormatException("notification is not valid JSON: " + ex.Message, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("notification must be a JSON object");
            return new Notification(
                ReadString(root, "notificationId"),
                ReadString(root, "userId"),
                ReadString(root, "itemId"),
                ReadString(root, "category"),
                ReadNumber(root, "osr"),
                ReadNumber(root, "affinity"),
                ReadNumber(root, "propensity"),
                ReadString(root, "state"),
                ReadTime(root, "ts"),
                ReadTime(root, "expiresAt"));
        }
    }

    /// <summary>RFC 3339 UTC with milliseconds and 'Z', as written in the notification.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static void WriteNumber(Utf8JsonWriter writer, JsonEncodedText name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }

    private static void WriteTime(Utf8JsonWriter writer, JsonEncodedText name, DateTimeOffset value)
    {
        Span<char> text = stackalloc char[32];
        if (!value.UtcDateTime.TryFormat(text, out var written, TimeFormat, CultureInfo.InvariantCulture))
            throw new InvalidOperationException("timestamp did not fit its buffer");
        writer.WriteString(name, text[..written]);
    }

    private static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value : throw new FormatException($"notification has no '{name}'");

    private static string ReadString(JsonElement root, string name)
    {
        var value = Required(root, name);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"notification '{name}' must be a string, got {value.ValueKind}");
    }

    private static double ReadNumber(JsonElement root, string name)
    {
        var value = Required(root, name);
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.Null => double.NaN,
            _ => throw new FormatException($"notification '{name}' must be a number or null, got {value.ValueKind}"),
        };
    }

    private static DateTimeOffset ReadTime(JsonElement root, string name)
    {
        var value = Required(root, name);
        if (value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)) return time.ToUniversalTime();
        throw new FormatException($"notification '{name}' must be an RFC 3339 time, got {value}");
    }
}
