using Osr.Orleans.Models.Time;
using System.Buffers;
using System.Text.Json;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Models.Events;

/// <summary>
/// Parses and validates one <c>events</c> payload: a single JSON object
/// <c>{"type":"interaction","itemId":"…","action":"view|like|follow|purchase|train","ts":"…"}</c>
/// or <c>{"type":"feedback","notificationId":"…","action":"delivered|opened|converted|dismissed","ts":"…"}</c>.
/// Both may carry an optional <c>"eventId"</c> (an id): an interaction is stored once per user and event id.
/// Unknown fields are ignored. Events are rare (not the per-reading hot path), so a small
/// <see cref="JsonDocument"/> is used for clarity.
/// </summary>
public static class EventParser
{
    /// <summary>The event, or null with the reason and a detail for the device's errors topic.</summary>
    public static DeviceEvent? Parse(in ReadOnlySequence<byte> payload, long nowUtcTicks, ReadingValidationOptions options,
        out RejectReason reason, out string? detail)
    {
        reason = RejectReason.None;
        detail = null;
        if (payload.Length > options.MaxPayloadBytes)
            return Fail(RejectReason.Oversize, $"payload of {payload.Length} bytes exceeds {options.MaxPayloadBytes}", out reason, out detail);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return Fail(RejectReason.MalformedJson, ex.Message, out reason, out detail);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail(RejectReason.NotAnObject, "an event is one JSON object", out reason, out detail);

            if (!TryString(root, "type", out var type, out reason, out detail)) return null;
            if (!TryTimestamp(root, nowUtcTicks, options, out var ts, out reason, out detail)) return null;
            if (!TryString(root, "action", out var action, out reason, out detail)) return null;
            if (!TryEventId(root, out var eventId, out reason, out detail)) return null;

            switch (type)
            {
                case "interaction":
                {
                    if (!TryId(root, "itemId", out var itemId, out reason, out detail)) return null;
                    if (!InteractionActions.TryParse(action, out var interaction))
                        return Fail(RejectReason.UnknownAction, $"interaction action '{Clip(action)}' is not one of view, like, follow, purchase, train", out reason, out detail);
                    return new DeviceEvent(DeviceEventType.Interaction, itemId, interaction, null, default, ts, eventId);
                }
                case "feedback":
                {
                    if (!TryId(root, "notificationId", out var notificationId, out reason, out detail)) return null;
                    if (!TryFeedback(action, out var feedback))
                        return Fail(RejectReason.UnknownAction, $"feedback action '{Clip(action)}' is not one of delivered, opened, converted, dismissed", out reason, out detail);
                    return new DeviceEvent(DeviceEventType.Feedback, null, default, notificationId, feedback, ts, eventId);
                }
                default:
                    return Fail(RejectReason.UnknownEventType, $"type '{Clip(type)}' is not interaction or feedback", out reason, out detail);
            }
        }
    }

    public static string Name(this FeedbackAction action) => action switch
    {
        FeedbackAction.Delivered => "delivered",
        FeedbackAction.Opened => "opened",
        FeedbackAction.Converted => "converted",
        _ => "dismissed",
    };

    private static bool TryFeedback(string text, out FeedbackAction action)
    {
        switch (text)
        {
            case "delivered": action = FeedbackAction.Delivered; return true;
            case "opened": action = FeedbackAction.Opened; return true;
            case "converted": action = FeedbackAction.Converted; return true;
            case "dismissed": action = FeedbackAction.Dismissed; return true;
            default: action = default; return false;
        }
    }

    private static bool TryString(JsonElement root, string name, out string value, out RejectReason reason, out string? detail)
    {
        value = "";
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return Fail(RejectReason.MissingField, $"'{name}' is required", out reason, out detail) is not null;
        if (element.ValueKind != JsonValueKind.String)
            return Fail(RejectReason.WrongType, $"'{name}' must be a string", out reason, out detail) is not null;
        if (!TryText(element, name, out value, out reason, out detail)) return false;
        reason = RejectReason.None;
        detail = null;
        return true;
    }

    /// <summary>A JSON string's text; an escaped lone surrogate (<c>"\ud800"</c>) is valid JSON but not text: <c>malformed-json</c>.</summary>
    private static bool TryText(JsonElement element, string name, out string value, out RejectReason reason, out string? detail)
    {
        value = "";
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Fail(RejectReason.MalformedJson, $"'{name}' is not valid Unicode text (an escaped lone surrogate)", out reason, out detail) is not null;
        }
        reason = RejectReason.None;
        detail = null;
        return true;
    }

    private static bool TryId(JsonElement root, string name, out string value, out RejectReason reason, out string? detail)
    {
        if (!TryString(root, name, out value, out reason, out detail)) return false;
        if (Ids.IsValid(value)) return true;
        return Fail(RejectReason.BadId, $"'{name}' must be 1–{Ids.MaxLength} characters of A–Z a–z 0–9 . _ : -", out reason, out detail) is not null;
    }

    /// <summary>The longest <c>eventId</c> (docs/contract.md: a string of at most 64 characters).</summary>
    public const int MaxEventIdLength = 64;

    /// <summary>The optional <c>eventId</c>: absent or null, or a string of 1–64 characters (docs/contract.md).</summary>
    private static bool TryEventId(JsonElement root, out string? eventId, out RejectReason reason, out string? detail)
    {
        eventId = null;
        reason = RejectReason.None;
        detail = null;
        if (!root.TryGetProperty("eventId", out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (!TryString(root, "eventId", out var id, out reason, out detail)) return false;
        if (id.Length is 0 or > MaxEventIdLength)
            return Fail(RejectReason.BadId, $"'eventId' must be 1–{MaxEventIdLength} characters", out reason, out detail) is not null;
        eventId = id;
        return true;
    }

    private static bool TryTimestamp(JsonElement root, long nowUtcTicks, ReadingValidationOptions options, out long ts,
        out RejectReason reason, out string? detail)
    {
        ts = 0;
        if (!root.TryGetProperty("ts", out var element) || element.ValueKind == JsonValueKind.Null)
            return Fail(RejectReason.MissingTs, "'ts' is required", out reason, out detail) is not null;
        if (element.ValueKind != JsonValueKind.String)
            return Fail(RejectReason.WrongType, "'ts' must be an RFC 3339 string", out reason, out detail) is not null;
        if (!TryText(element, "ts", out var text, out reason, out detail)) return false;
        if (!Rfc3339.TryParseUtcTicks(text, out ts))
            return Fail(RejectReason.BadTs, "'ts' must be RFC 3339 with an offset, e.g. 2026-11-23T18:02:11Z", out reason, out detail) is not null;
        if (options.Mode == ClockMode.Wall)
        {
            if (ts < nowUtcTicks - options.MaxLateness.Ticks)
                return Fail(RejectReason.TooLate, $"'ts' is more than {options.MaxLateness} behind the clock", out reason, out detail) is not null;
            if (ts > nowUtcTicks + options.MaxSkew.Ticks)
                return Fail(RejectReason.TooEarly, $"'ts' is more than {options.MaxSkew} ahead of the clock", out reason, out detail) is not null;
        }
        reason = RejectReason.None;
        detail = null;
        return true;
    }

    private static string Clip(string s) => s.Length <= 32 ? s : s[..32] + "…";

    private static DeviceEvent? Fail(RejectReason r, string d, out RejectReason reason, out string? detail)
    {
        reason = r;
        detail = d;
        return null;
    }
}
