using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CsCheck;

namespace Osr.Orleans.UnitTests.Fuzz;

/// <summary>
/// Inputs for the parser fuzz tests: payloads shaped like the contract's (readings, events, CSV files) with
/// values drawn from edge cases, byte-level mutations of those and of the kept corpus (<c>Fuzz/Corpus</c>),
/// and plain random bytes. Structure makes the fuzzer reach deep into a parser; mutation makes it leave
/// the well-formed paths.
/// </summary>
internal static class FuzzInputs
{
    /// <summary>Inputs per target: <c>OSR_FUZZ_INPUTS</c> (the long run: 1,000,000), 20,000 by default (CI).</summary>
    public static long Count { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("OSR_FUZZ_INPUTS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : 20_000;

    public static IReadOnlyList<byte[]> Corpus(string kind) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", kind)).Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes).ToArray();

    private static readonly Gen<string> Number = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Long.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e999"),
        Gen.Double[-500, 500].Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.OneOf("0", "-0", "1.0", "1e3", "1E-400", "1e400", "-1e400", "9007199254740991", "9007199254740992",
            "9223372036854775807", "9223372036854775808", "18446744073709551616", "00", "01", ".5", "+1", "NaN", "Infinity", "0x10"));

    private static readonly Gen<string> Timestamp = Gen.OneOf(
        Gen.DateTime[new DateTime(1, 1, 1), new DateTime(9999, 12, 31)].Select(t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) + "Z"),
        Gen.Select(Gen.Int[-1500, 1500], Gen.Int[-3_600_000, 600_000], (offsetMinutes, secondsFromNow) =>
            DateTimeOffset.UtcNow.AddSeconds(secondsFromNow).ToOffset(TimeSpan.FromMinutes(Math.Clamp(offsetMinutes, -840, 840)))
                .ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture)),
        Gen.OneOf("2026-11-23T18:02:11Z", "2026-11-23t18:02:11z", "2026-11-23T18:02:60Z", "2026-02-29T00:00:00Z",
            "2026-11-23T18:02:11", "2026-11-23 18:02:11Z", "2026-11-23T18:02:11+24:00", "2026-11-23T18:02:11.Z",
            "2026-11-23T18:02:11.12345678901234567890Z", "0000-00-00T00:00:00Z", "", "Z", "2026-11-23T18:02:11\\u005a"));

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 0, 70],
        Gen.String[Gen.Char, 0, 20].Select(Escape),
        Gen.OneOf("", "u1", "i-1", "n-1", "view", "purchase", "opened", "converted", "interaction", "feedback", "\\u0000", "\\ud800"));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (4, Number), (3, Timestamp.Select(Quote)), (3, Text.Select(Quote)), (1, Gen.OneOf("null", "true", "false", "[]", "{}", "[1,2]", "{\"a\":{\"b\":[]}}")));

    private static Gen<string> Field(string name, Gen<string> value) =>
        Gen.Frequency((6, value), (2, Scalar), (1, Gen.Const("null"))).Select(v => $"\"{name}\":{v}");

    /// <summary>An object of the given fields, each present 4 times in 5, in random order, sometimes with an unknown field.</summary>
    private static Gen<string> Object(params Gen<string>[] fields)
    {
        var present = fields.Aggregate(Gen.Const(ImmutableList<string>.Empty),
            (list, field) => Gen.Select(list, field, Gen.Int[0, 4], (l, value, roll) => roll < 4 ? l.Add(value) : l));
        return Gen.Select(present, Gen.Int, Gen.String[Gen.Char.AlphaNumeric, 1, 6], Scalar, (parts, seed, name, value) =>
        {
            var all = parts.ToArray();
            new Random(seed).Shuffle(all);
            var body = string.Join(",", all);
            if (seed % 3 == 0) body = body.Length == 0 ? $"\"{name}\":{value}" : $"{body},\"{name}\":{value}";
            return "{" + body + "}";
        });
    }

    private static readonly Gen<string> ReadingObject = Object(
        Field("seq", Gen.Long[0, 1_000_000].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        Field("ts", Timestamp.Select(Quote)),
        Field("hr", Gen.Double[20, 240].Select(Num)),
        Field("speed", Gen.Double[0, 30].Select(Num)),
        Field("cadence", Gen.Double[0, 250].Select(Num)),
        Field("acc", Gen.Double[0, 20].Select(Num)),
        Field("lat", Gen.Double[-90, 90].Select(Num)),
        Field("lon", Gen.Double[-180, 180].Select(Num)));

    private static readonly Gen<string> EventObject = Object(
        Field("type", Gen.OneOf("interaction", "feedback").Select(Quote)),
        Field("itemId", Text.Select(Quote)),
        Field("notificationId", Text.Select(Quote)),
        Field("action", Gen.OneOf("view", "like", "follow", "purchase", "train", "delivered", "opened", "converted", "dismissed").Select(Quote)),
        Field("ts", Timestamp.Select(Quote)),
        Field("eventId", Text.Select(Quote)));

    /// <summary>Readings payloads: one object, a batch (up to past the 500 limit), a mutation, corpus, or random bytes.</summary>
    public static Gen<byte[]> Readings => Shaped(
        Gen.OneOf(ReadingObject, ReadingObject.List[0, 8].Select(l => "[" + string.Join(",", l) + "]"),
            Gen.Int[490, 510].Select(n => "[" + string.Join(",", Enumerable.Repeat("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"}", n)) + "]"),
            Scalar),
        Corpus("readings"));

    public static Gen<byte[]> Events => Shaped(Gen.OneOf(EventObject, Scalar, EventObject.List[1, 3].Select(l => "[" + string.Join(",", l) + "]")), Corpus("events"));

    private static readonly Gen<string> Cell = Gen.Frequency(
        (5, Text), (2, Timestamp), (1, Number), (1, Text.Select(t => "\"" + t.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")),
        (1, Gen.OneOf("\"", "\"a\"b", "a\"", "\r", "\n", "\t", "\u0001", ";")));

    private static readonly Gen<string> Header = Gen.OneOf(
        "deviceId,userId,kind", "userId,itemId,action,ts", "user_id,item_id,invoice_no,ts", "itemId,kind,category,tags",
        "userId,age,timeZone,segment", "userId,userId", "a,b", "");

    /// <summary>CSV files: a known header and rows of edge-case cells, line ends mixed, a mutation, corpus, or random bytes.</summary>
    public static Gen<byte[]> Csv => Shaped(
        Gen.Select(Header, Cell.Array[0, 6].Array[0, 12], Gen.OneOf("\n", "\r\n", "\r"), Gen.Bool,
            (header, rows, end, bom) => (bom ? "\uFEFF" : "") + header + end + string.Join(end, rows.Select(r => string.Join(",", r)))),
        Corpus("csv"));

    private static Gen<byte[]> Shaped(Gen<string> text, IReadOnlyList<byte[]> corpus)
    {
        var wellFormed = text.Select(s => Encoding.UTF8.GetBytes(s));
        var seeds = corpus.Count == 0 ? wellFormed : Gen.OneOf(wellFormed, Gen.Int[0, corpus.Count - 1].Select(i => corpus[i]));
        return Gen.Frequency(
            (5, wellFormed),
            (4, Gen.Select(seeds, Mutation.Array[1, 4], (bytes, mutations) => mutations.Aggregate(bytes, (b, m) => m(b)))),
            (1, Gen.Byte.Array[0, 300]));
    }

    /// <summary>One byte-level change: flip a bit, insert or delete bytes, truncate, duplicate a slice.</summary>
    private static readonly Gen<Func<byte[], byte[]>> Mutation = Gen.OneOf(
        Gen.Select(Gen.Int, Gen.Int[0, 7], (at, bit) => (Func<byte[], byte[]>)(b =>
        {
            if (b.Length == 0) return b;
            var c = (byte[])b.Clone();
            c[(int)((uint)at % (uint)c.Length)] ^= (byte)(1 << bit);
            return c;
        })),
        Gen.Select(Gen.Int, Gen.Byte.Array[1, 4], (at, insert) => (Func<byte[], byte[]>)(b =>
        {
            var i = (int)((uint)at % (uint)(b.Length + 1));
            return [.. b.AsSpan(0, i), .. insert, .. b.AsSpan(i)];
        })),
        Gen.Select(Gen.Int, Gen.Int[1, 8], (at, length) => (Func<byte[], byte[]>)(b =>
        {
            if (b.Length == 0) return b;
            var i = (int)((uint)at % (uint)b.Length);
            var n = Math.Min(length, b.Length - i);
            return [.. b.AsSpan(0, i), .. b.AsSpan(i + n)];
        })),
        Gen.Int.Select(at => (Func<byte[], byte[]>)(b => b.Length == 0 ? b : b[..(int)((uint)at % (uint)b.Length)])),
        Gen.Select(Gen.Int, Gen.Int[1, 16], (at, length) => (Func<byte[], byte[]>)(b =>
        {
            if (b.Length == 0) return b;
            var i = (int)((uint)at % (uint)b.Length);
            var n = Math.Min(length, b.Length - i);
            return [.. b.AsSpan(0, i + n), .. b.AsSpan(i, n), .. b.AsSpan(i + n)];
        })));

    private static string Num(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Quote(string s) => "\"" + s + "\"";

    /// <summary>Any characters as JSON string content: escapes for what JSON requires, the rest raw (lone surrogates become U+FFFD in UTF-8).</summary>
    private static string Escape(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c is '"' or '\\') b.Append('\\').Append(c);
            else if (c < ' ') b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else b.Append(c);
        }
        return b.ToString();
    }
}
