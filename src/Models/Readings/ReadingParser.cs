using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Osr.Orleans.Models.Time;

namespace Osr.Orleans.Models.Readings;

/// <summary>
/// Parses and validates one MQTT <c>readings</c> payload (docs/contract.md, "Reading" and
/// "Clock"): either one reading object or a JSON array of up to
/// <see cref="ReadingValidationOptions.MaxBatch"/> of them. Forward-only over
/// <see cref="Utf8JsonReader"/>: no DOM, no string per field, no heap allocation per reading
/// (a rejection allocates its detail text; batches borrow a buffer from
/// <see cref="ArrayPool{T}.Shared"/>).
/// </summary>
/// <remarks>
/// Decisions where the contract leaves room:
/// <list type="bullet">
/// <item>A message is all-or-nothing for structural faults: <c>oversize</c> (checked before
/// reading), <c>malformed-json</c> anywhere (incl. trailing data, comments, trailing commas,
/// an empty payload, nesting deeper than <see cref="MaxDepth"/>), <c>too-many-readings</c>,
/// <c>empty-batch</c> (<c>[]</c>) and <c>not-an-object</c> for a top-level scalar refuse the
/// whole message and append nothing. Within a well-formed array each element is judged on
/// its own; a non-object element is rejected as <c>not-an-object</c>.</item>
/// <item><c>seq</c>: a JSON number that is an integer in 0…2⁶³−1 written without fraction or
/// exponent; a negative, fractional (<c>1.5</c>, <c>1.0</c>), exponent or overflowing number
/// is <c>bad-seq</c>; a string (<c>"7"</c>), bool, object or array is <c>wrong-type</c>;
/// absent or <c>null</c> is <c>missing-seq</c>.</item>
/// <item><c>ts</c>: a JSON string <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)</c>
/// (RFC 3339 §5.6; <c>t</c>/<c>z</c> accepted in lower case; fraction digits beyond the
/// 7th, i.e. below 100 ns, are truncated; leap second <c>:60</c> and a missing offset are
/// <c>bad-ts</c>); any other JSON type is <c>wrong-type</c>; absent or <c>null</c> is
/// <c>missing-ts</c>.</item>
/// <item>Sensors: <c>null</c> means "not measured", exactly like an absent field. A number
/// too large for a double (<c>1e400</c>) is <c>not-finite</c>; a string, bool, object or
/// array is <c>wrong-type</c>; outside the contract range is <c>out-of-range</c>.</item>
/// <item>Duplicate keys: the last occurrence wins (as in ECMAScript <c>JSON.parse</c>);
/// the reading is judged on the final values only.</item>
/// <item>When several faults exist in one reading the first in this order is reported:
/// seq, ts, hr, speed, cadence, acc, lat, lon, lat/lon pairing, clock bound.</item>
/// <item>A leading UTF-8 byte order mark is ignored (RFC 8259 §8.1 permits this); bytes
/// that are not valid UTF-8 anywhere (even in an ignored field) are <c>malformed-json</c>.</item>
/// <item>Unknown fields are skipped, whatever their type or nesting.</item>
/// </list>
/// </remarks>
public static class ReadingParser
{
    /// <summary>Deepest nesting accepted; deeper is <c>malformed-json</c>. A reading needs depth 2.</summary>
    public const int MaxDepth = 32;

    /// <summary>Longest <c>ts</c> text (after unescaping) considered; longer is <c>bad-ts</c>.</summary>
    private const int MaxTsBytes = Rfc3339.MaxLength;

    /// <summary>Escaped text is at most 6× its unescaped length (<c>\uXXXX</c>).</summary>
    private const int MaxEscapedTsBytes = MaxTsBytes * 6;

    private const int SensorCount = 6;
    private const int FieldUnknown = -1;
    private const int FieldSeq = -2;

    /// <summary>
    /// The largest <c>seq</c>: 2⁵³ − 1, the largest integer every JSON implementation reads exactly. Far below
    /// <see cref="long.MaxValue"/>, so no single reading can push a device's dedupe position where nothing follows it.
    /// </summary>
    public const long MaxSeq = (1L << 53) - 1;
    private const int FieldTs = -3;
    private const int FieldHr = 0;
    private const int FieldSpeed = 1;
    private const int FieldCadence = 2;
    private const int FieldAcc = 3;
    private const int FieldLat = 4;
    private const int FieldLon = 5;

    private static readonly string[] SensorNames = ["hr", "speed", "cadence", "acc", "lat", "lon"];
    private static readonly double[] SensorMin = [20, 0, 0, 0, -90, -180];
    private static readonly double[] SensorMax = [250, 100, 300, 200, 90, 180];

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>
    /// Parses <paramref name="payload"/> and appends its valid readings to
    /// <paramref name="accepted"/> and its invalid ones to <paramref name="rejected"/>, in
    /// message order. Nothing is appended when the message is refused as a whole.
    /// </summary>
    /// <param name="payload">The MQTT payload (UTF-8 JSON).</param>
    /// <param name="nowUtcTicks">Wall clock, UTC ticks; used only in <see cref="ClockMode.Wall"/>.</param>
    /// <param name="options">Limits; <see cref="ReadingValidationOptions.Default"/> for the contract values.</param>
    /// <param name="accepted">Receives valid readings (pre-size a <see cref="List{T}"/> to avoid growth).</param>
    /// <param name="rejected">Receives one entry per invalid reading.</param>
    public static ParseOutcome Parse(
        in ReadOnlySequence<byte> payload,
        long nowUtcTicks,
        ReadingValidationOptions options,
        ICollection<Reading> accepted,
        ICollection<ReadingRejection> rejected)
    {
        if (payload.IsSingleSegment)
        {
            return Parse(payload.FirstSpan, nowUtcTicks, options, accepted, rejected);
        }

        CheckArguments(options, accepted, rejected);
        if (payload.Length > options.MaxPayloadBytes)
        {
            return Oversize(payload.Length, options);
        }

        var body = StartsWithBom(payload) ? payload.Slice(3) : payload;
        if (!IsValidUtf8(body))
        {
            return NotUtf8();
        }

        var reader = new Utf8JsonReader(body, ReaderOptions);
        return Run(ref reader, body.Length, nowUtcTicks, options, accepted, rejected);
    }

    /// <inheritdoc cref="Parse(in ReadOnlySequence{byte}, long, ReadingValidationOptions, ICollection{Reading}, ICollection{ReadingRejection})"/>
    public static ParseOutcome Parse(
        ReadOnlySpan<byte> payload,
        long nowUtcTicks,
        ReadingValidationOptions options,
        ICollection<Reading> accepted,
        ICollection<ReadingRejection> rejected)
    {
        CheckArguments(options, accepted, rejected);
        if (payload.Length > options.MaxPayloadBytes)
        {
            return Oversize(payload.Length, options);
        }

        if (payload.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            payload = payload[3..];
        }

        if (!Utf8.IsValid(payload))
        {
            return NotUtf8();
        }

        var reader = new Utf8JsonReader(payload, ReaderOptions);
        return Run(ref reader, payload.Length, nowUtcTicks, options, accepted, rejected);
    }

    private static void CheckArguments(ReadingValidationOptions options, ICollection<Reading> accepted, ICollection<ReadingRejection> rejected)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(rejected);
    }

    private static ParseOutcome Oversize(long length, ReadingValidationOptions options) =>
        ParseOutcome.Refused(RejectReason.Oversize,
            string.Create(CultureInfo.InvariantCulture, $"payload of {length} bytes exceeds {options.MaxPayloadBytes}"));

    private static ParseOutcome NotUtf8() =>
        ParseOutcome.Refused(RejectReason.MalformedJson, "the payload is not valid UTF-8");

    /// <summary>
    /// <see cref="Utf8.IsValid"/> over a multi-segment sequence: a code point split across
    /// segments is carried over and completed byte by byte.
    /// </summary>
    private static bool IsValidUtf8(in ReadOnlySequence<byte> payload)
    {
        Span<byte> carry = stackalloc byte[4];
        int carried = 0;
        foreach (var memory in payload)
        {
            var span = memory.Span;
            while (carried > 0 && !span.IsEmpty)
            {
                carry[carried++] = span[0];
                span = span[1..];
                var status = Rune.DecodeFromUtf8(carry[..carried], out _, out int consumed);
                if (status == OperationStatus.Done && consumed == carried)
                {
                    carried = 0;
                }
                else if (status != OperationStatus.NeedMoreData)
                {
                    return false;
                }
            }

            if (span.IsEmpty)
            {
                continue;
            }

            int tail = IncompleteTailLength(span);
            if (!Utf8.IsValid(span[..^tail]))
            {
                return false;
            }

            span[^tail..].CopyTo(carry);
            carried = tail;
        }

        return carried == 0;
    }

    /// <summary>Length of a multi-byte sequence started but not finished at the end of <paramref name="span"/> (0–3).</summary>
    private static int IncompleteTailLength(ReadOnlySpan<byte> span)
    {
        for (int i = 1; i <= Math.Min(3, span.Length); i++)
        {
            byte b = span[^i];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte: look further back for the lead byte
            }

            if (b < 0x80)
            {
                return 0;
            }

            int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
            return length > i ? i : 0;
        }

        return 0;
    }

    private static bool StartsWithBom(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < 3)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[3];
        payload.Slice(0, 3).CopyTo(head);
        return head is [0xEF, 0xBB, 0xBF];
    }

    private static ParseOutcome Run(
        ref Utf8JsonReader reader,
        long length,
        long nowUtcTicks,
        ReadingValidationOptions options,
        ICollection<Reading> accepted,
        ICollection<ReadingRejection> rejected)
    {
        var bounds = new ClockBounds(options, nowUtcTicks);
        try
        {
            if (!reader.Read())
            {
                return ParseOutcome.Refused(RejectReason.MalformedJson, "empty payload");
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    {
                        bool ok = TryReadOne(ref reader, in bounds, out var reading, out var rejection);
                        EnsureEnd(ref reader);
                        if (ok)
                        {
                            accepted.Add(reading);
                            return new ParseOutcome(RejectReason.None, 1, 0, null);
                        }

                        rejected.Add(rejection);
                        return new ParseOutcome(RejectReason.None, 0, 1, null);
                    }

                case JsonTokenType.StartArray:
                    return ReadBatch(ref reader, length, in bounds, options, accepted, rejected);

                default:
                    EnsureEnd(ref reader);
                    return ParseOutcome.Refused(RejectReason.NotAnObject, "the payload must be a reading object or an array of them");
            }
        }
        catch (JsonException ex)
        {
            return ParseOutcome.Refused(RejectReason.MalformedJson, ex.Message);
        }
    }

    private static ParseOutcome ReadBatch(
        ref Utf8JsonReader reader,
        long length,
        in ClockBounds bounds,
        ReadingValidationOptions options,
        ICollection<Reading> accepted,
        ICollection<ReadingRejection> rejected)
    {
        // Every element takes at least two bytes ("1,"), so this bounds the buffer for any MaxBatch.
        int capacity = (int)Math.Min(Math.Max(options.MaxBatch, 0), (length / 2) + 1);
        var readings = ArrayPool<Reading>.Shared.Rent(capacity);
        ReadingRejection[]? rejections = null;
        int readingCount = 0, rejectionCount = 0, elements = 0;
        try
        {
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                if (elements == options.MaxBatch)
                {
                    return ParseOutcome.Refused(RejectReason.TooManyReadings,
                        string.Create(CultureInfo.InvariantCulture, $"more than {options.MaxBatch} readings in one message"));
                }

                elements++;
                ReadingRejection rejection;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    if (TryReadOne(ref reader, in bounds, out var reading, out rejection))
                    {
                        readings[readingCount++] = reading;
                        continue;
                    }
                }
                else
                {
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    rejection = new ReadingRejection(null, RejectReason.NotAnObject, "array element must be a reading object");
                }

                rejections ??= ArrayPool<ReadingRejection>.Shared.Rent(capacity);
                rejections[rejectionCount++] = rejection;
            }

            EnsureEnd(ref reader);
            if (elements == 0)
            {
                return ParseOutcome.Refused(RejectReason.EmptyBatch, "the array holds no readings");
            }

            for (int i = 0; i < readingCount; i++)
            {
                accepted.Add(readings[i]);
            }

            for (int i = 0; i < rejectionCount; i++)
            {
                rejected.Add(rejections![i]);
            }

            return new ParseOutcome(RejectReason.None, readingCount, rejectionCount, null);
        }
        finally
        {
            ArrayPool<Reading>.Shared.Return(readings);
            if (rejections is not null)
            {
                ArrayPool<ReadingRejection>.Shared.Return(rejections, clearArray: true);
            }
        }
    }

    /// <summary>Reads one object (reader on its StartObject) and judges it; leaves the reader on its EndObject.</summary>
    private static bool TryReadOne(ref Utf8JsonReader reader, in ClockBounds bounds, out Reading reading, out ReadingRejection rejection)
    {
        var draft = default(Draft);
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            int field = Identify(ref reader);
            Next(ref reader);
            switch (field)
            {
                case FieldSeq:
                    ReadSeq(ref reader, ref draft);
                    break;
                case FieldTs:
                    ReadTs(ref reader, ref draft);
                    break;
                case FieldUnknown:
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    break;
                default:
                    draft.Slots[field] = ReadSensor(ref reader, out draft.Values[field]);
                    break;
            }
        }

        return Judge(in draft, in bounds, out reading, out rejection);
    }

    /// <summary>Maps the current property name to a field, comparing UTF-8 bytes.</summary>
    private static int Identify(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var name = reader.ValueSpan;
            return name.Length switch
            {
                2 when name.SequenceEqual("hr"u8) => FieldHr,
                2 when name.SequenceEqual("ts"u8) => FieldTs,
                3 when name.SequenceEqual("seq"u8) => FieldSeq,
                3 when name.SequenceEqual("acc"u8) => FieldAcc,
                3 when name.SequenceEqual("lat"u8) => FieldLat,
                3 when name.SequenceEqual("lon"u8) => FieldLon,
                5 when name.SequenceEqual("speed"u8) => FieldSpeed,
                7 when name.SequenceEqual("cadence"u8) => FieldCadence,
                _ => FieldUnknown,
            };
        }

        return IdentifySlow(ref reader);
    }

    /// <summary>Escaped (e.g. <c>"\u0068r"</c>) or split across segments: the reader unescapes and compares.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int IdentifySlow(ref Utf8JsonReader reader)
    {
        try
        {
            return IdentifyUnescaped(ref reader);
        }
        catch (InvalidOperationException)
        {
            return FieldUnknown; // an escape that is not valid text (lone surrogate) names no known field
        }
    }

    private static int IdentifyUnescaped(ref Utf8JsonReader reader)
    {
        return reader.ValueTextEquals("seq"u8) ? FieldSeq
            : reader.ValueTextEquals("ts"u8) ? FieldTs
            : reader.ValueTextEquals("hr"u8) ? FieldHr
            : reader.ValueTextEquals("speed"u8) ? FieldSpeed
            : reader.ValueTextEquals("cadence"u8) ? FieldCadence
            : reader.ValueTextEquals("acc"u8) ? FieldAcc
            : reader.ValueTextEquals("lat"u8) ? FieldLat
            : reader.ValueTextEquals("lon"u8) ? FieldLon
            : FieldUnknown;
    }

    private static void ReadSeq(ref Utf8JsonReader reader, ref Draft draft)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long seq) && seq is >= 0 and <= MaxSeq)
                {
                    draft.SeqSlot = Slot.Ok;
                    draft.Seq = seq;
                }
                else
                {
                    draft.SeqSlot = Slot.Bad;
                }

                break;
            case JsonTokenType.Null:
                draft.SeqSlot = Slot.Absent;
                break;
            default:
                SkipValue(ref reader);
                draft.SeqSlot = Slot.WrongType;
                break;
        }
    }

    private static void ReadTs(ref Utf8JsonReader reader, ref Draft draft)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                bool ok = !reader.ValueIsEscaped && !reader.HasValueSequence
                    ? Rfc3339.TryParseUtcTicks(reader.ValueSpan, out draft.TsUtcTicks)
                    : TryParseUnescapedTs(ref reader, out draft.TsUtcTicks);
                draft.TsSlot = ok ? Slot.Ok : Slot.Bad;
                break;
            case JsonTokenType.Null:
                draft.TsSlot = Slot.Absent;
                break;
            default:
                SkipValue(ref reader);
                draft.TsSlot = Slot.WrongType;
                break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryParseUnescapedTs(ref Utf8JsonReader reader, out long utcTicks)
    {
        utcTicks = 0;
        long rawLength = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (rawLength > MaxEscapedTsBytes)
        {
            return false;
        }

        Span<byte> text = stackalloc byte[MaxEscapedTsBytes];
        int written;
        try
        {
            written = reader.CopyString(text);
        }
        catch (InvalidOperationException)
        {
            return false; // an escape that does not form valid text, e.g. a lone surrogate "\ud800"
        }

        return Rfc3339.TryParseUtcTicks(text[..written], out utcTicks);
    }

    private static Slot ReadSensor(ref Utf8JsonReader reader, out double value)
    {
        value = double.NaN;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                // TryGetDouble refuses values that overflow to ±∞ (e.g. 1e400).
                // A number too large for a double (e.g. 1e400) reads as ±∞ or fails: not-finite.
                return reader.TryGetDouble(out value) && double.IsFinite(value) ? Slot.Ok : Slot.NotFinite;
            case JsonTokenType.Null:
                return Slot.Absent;
            default:
                SkipValue(ref reader);
                return Slot.WrongType;
        }
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    private static bool Judge(in Draft draft, in ClockBounds bounds, out Reading reading, out ReadingRejection rejection)
    {
        reading = default;
        long? seq = draft.SeqSlot == Slot.Ok ? draft.Seq : null;
        switch (draft.SeqSlot)
        {
            case Slot.Absent:
                rejection = new ReadingRejection(null, RejectReason.MissingSeq, "seq is required");
                return false;
            case Slot.WrongType:
                rejection = new ReadingRejection(null, RejectReason.WrongType, "seq must be a JSON number");
                return false;
            case Slot.Bad:
                rejection = new ReadingRejection(null, RejectReason.BadSeq, "seq must be an integer from 0 to 2^53 − 1");
                return false;
        }

        switch (draft.TsSlot)
        {
            case Slot.Absent:
                rejection = new ReadingRejection(seq, RejectReason.MissingTs, "ts is required");
                return false;
            case Slot.WrongType:
                rejection = new ReadingRejection(seq, RejectReason.WrongType, "ts must be a JSON string");
                return false;
            case Slot.Bad:
                rejection = new ReadingRejection(seq, RejectReason.BadTs, "ts must be RFC 3339 with an offset (Z or ±hh:mm)");
                return false;
        }

        var min = SensorMin;
        var max = SensorMax;
        for (int i = 0; i < SensorCount; i++)
        {
            switch (draft.Slots[i])
            {
                case Slot.WrongType:
                    rejection = new ReadingRejection(seq, RejectReason.WrongType, SensorNames[i] + " must be a JSON number");
                    return false;
                case Slot.NotFinite:
                    rejection = new ReadingRejection(seq, RejectReason.NotFinite, SensorNames[i] + " is not a finite number");
                    return false;
                case Slot.Ok when draft.Values[i] < min[i] || draft.Values[i] > max[i]:
                    rejection = new ReadingRejection(seq, RejectReason.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                        $"{SensorNames[i]}={draft.Values[i]} outside {min[i]}–{max[i]}"));
                    return false;
            }
        }

        if ((draft.Slots[FieldLat] == Slot.Ok) != (draft.Slots[FieldLon] == Slot.Ok))
        {
            rejection = new ReadingRejection(seq, RejectReason.LatWithoutLon, "lat and lon must be given together");
            return false;
        }

        long ts = draft.TsUtcTicks;
        if (bounds.Enabled)
        {
            if (ts < bounds.EarliestUtcTicks)
            {
                rejection = new ReadingRejection(seq, RejectReason.TooLate, string.Create(CultureInfo.InvariantCulture,
                    $"ts is {TimeSpan.FromTicks(bounds.NowUtcTicks - ts):c} behind the clock (max {bounds.MaxLateness:c})"));
                return false;
            }

            if (ts > bounds.LatestUtcTicks)
            {
                rejection = new ReadingRejection(seq, RejectReason.TooEarly, string.Create(CultureInfo.InvariantCulture,
                    $"ts is {TimeSpan.FromTicks(ts - bounds.NowUtcTicks):c} ahead of the clock (max {bounds.MaxSkew:c})"));
                return false;
            }
        }

        rejection = default;
        reading = new Reading(
            draft.Seq,
            ts,
            ValueOrNaN(in draft, FieldHr),
            ValueOrNaN(in draft, FieldSpeed),
            ValueOrNaN(in draft, FieldCadence),
            ValueOrNaN(in draft, FieldAcc),
            ValueOrNaN(in draft, FieldLat),
            ValueOrNaN(in draft, FieldLon));
        return true;
    }

    private static double ValueOrNaN(in Draft draft, int field) =>
        draft.Slots[field] == Slot.Ok ? draft.Values[field] : double.NaN;

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("unexpected end of the payload");
        }
    }

    /// <summary>After the root value only whitespace may follow (the reader throws on anything else).</summary>
    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("data after the JSON value");
        }
    }

    private enum Slot : byte
    {
        Absent = 0,
        Ok,
        WrongType,
        NotFinite,
        Bad,
    }

    [InlineArray(SensorCount)]
    private struct SensorValues
    {
        private double _element;
    }

    [InlineArray(SensorCount)]
    private struct SensorSlots
    {
        private Slot _element;
    }

    /// <summary>What one reading object said, field by field (last duplicate wins).</summary>
    private struct Draft
    {
        public Slot SeqSlot;
        public long Seq;
        public Slot TsSlot;
        public long TsUtcTicks;
        public SensorSlots Slots;
        public SensorValues Values;
    }

    private readonly struct ClockBounds
    {
        public ClockBounds(ReadingValidationOptions options, long nowUtcTicks)
        {
            Enabled = options.Mode == ClockMode.Wall;
            NowUtcTicks = nowUtcTicks;
            MaxLateness = options.MaxLateness;
            MaxSkew = options.MaxSkew;
            EarliestUtcTicks = nowUtcTicks - options.MaxLateness.Ticks;
            LatestUtcTicks = nowUtcTicks + options.MaxSkew.Ticks;
        }

        public bool Enabled { get; }
        public long NowUtcTicks { get; }
        public long EarliestUtcTicks { get; }
        public long LatestUtcTicks { get; }
        public TimeSpan MaxLateness { get; }
        public TimeSpan MaxSkew { get; }
    }
}
