using System.Buffers;
using System.Globalization;
using System.Text;

namespace Osr.Orleans.Client.Csv;

/// <summary>Size limits for an import file; larger files are refused before parsing.</summary>
public sealed record CsvLimits(long MaxBytes, int MaxRows)
{
    public static CsvLimits Default { get; } = new(50L * 1024 * 1024, 1_000_000);
}

/// <summary>One CSV record and the (1-based) line it starts on.</summary>
public sealed record CsvRecord(int Line, string[] Fields);

/// <summary>A parsed file: the header record and the data records (blank lines dropped).</summary>
public sealed record CsvTable(CsvRecord Header, IReadOnlyList<CsvRecord> Rows);

/// <summary>The file is not a CSV we can read. <see cref="Line"/> is 0 for problems with the whole file.</summary>
public sealed class CsvFormatException(int line, string problem)
    : Exception(line > 0 ? $"line {line}: {problem}" : problem)
{
    public int Line { get; } = line;
    public string Problem { get; } = problem;
}

/// <summary>
/// Reads RFC 4180 CSV as written by spreadsheets and scripts: UTF-8 with or without a BOM, LF, CRLF or CR
/// line ends, fields quoted with <c>"</c> (commas, line breaks and doubled quotes inside), blank lines
/// (including a trailing one) ignored. Refuses, with the line number, what is not text: control
/// characters, invalid UTF-8, UTF-16, an unterminated or stray quote; refuses files over
/// <see cref="CsvLimits"/>. Fields are returned verbatim (validators trim).
/// </summary>
public static class CsvReader
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <exception cref="CsvFormatException">Missing, oversize or malformed file.</exception>
    public static CsvTable ReadFile(string path, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        var info = new FileInfo(path);
        if (!info.Exists) throw new CsvFormatException(0, $"file not found: {path}");
        if (info.Length > limits.MaxBytes) throw TooLarge(info.Length, limits);
        using var stream = info.OpenRead();
        return Read(stream, limits);
    }

    /// <exception cref="CsvFormatException">Oversize or malformed content.</exception>
    public static CsvTable Read(Stream stream, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        if (stream.CanSeek && stream.Length - stream.Position > limits.MaxBytes) throw TooLarge(stream.Length - stream.Position, limits);

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limits.MaxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0) break;
                length += read;
                if (length > limits.MaxBytes) throw TooLarge(length, limits, atLeast: true);
            }

            return Parse(buffer.AsSpan(0, length), limits);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <exception cref="CsvFormatException">Malformed content or too many rows.</exception>
    public static CsvTable Parse(ReadOnlySpan<byte> utf8, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        if (utf8.Length > limits.MaxBytes) throw TooLarge(utf8.Length, limits);
        if (utf8.Length >= 2 && ((utf8[0] == 0xFF && utf8[1] == 0xFE) || (utf8[0] == 0xFE && utf8[1] == 0xFF)))
            throw new CsvFormatException(1, "the file is UTF-16 encoded; save it as UTF-8");
        if (utf8.StartsWith(Utf8Bom)) utf8 = utf8[Utf8Bom.Length..];

        EnsureText(utf8);
        var records = Split(Encoding.UTF8.GetString(utf8), limits);
        if (records.Count == 0) throw new CsvFormatException(0, "the file is empty: a header line is required");
        return new CsvTable(records[0], records.GetRange(1, records.Count - 1));
    }

    /// <summary>Refuses invalid UTF-8 and control characters (other than tab and line ends), naming the line.</summary>
    private static void EnsureText(ReadOnlySpan<byte> utf8)
    {
        var line = 1;
        var i = 0;
        while (i < utf8.Length)
        {
            var b = utf8[i];
            if (b < 0x80)
            {
                if (b == (byte)'\n') line++;
                else if (b == (byte)'\r' && (i + 1 >= utf8.Length || utf8[i + 1] != (byte)'\n')) line++;
                else if ((b < 0x20 && b != (byte)'\t' && b != (byte)'\r') || b == 0x7F) throw Binary(line, $"byte 0x{b:X2}");
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf8(utf8[i..], out var rune, out var consumed) != OperationStatus.Done)
                throw new CsvFormatException(line, $"invalid UTF-8 (byte 0x{b:X2}); is this a text file saved as UTF-8?");
            if (rune.Value is >= 0x80 and <= 0x9F) throw Binary(line, $"control character U+{rune.Value:X4}");
            i += consumed;
        }
    }

    private static List<CsvRecord> Split(string text, CsvLimits limits)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var quoted = new StringBuilder();
        var n = text.Length;
        var pos = 0;
        var line = 1;

        while (pos < n)
        {
            var recordLine = line;
            var p = SkipBlanks(text, pos);
            if (p >= n) break;
            if (text[p] is '\r' or '\n')
            {
                pos = SkipLineEnd(text, p, ref line);
                continue;
            }

            fields.Clear();
            while (true)
            {
                p = SkipBlanks(text, pos);
                if (p < n && text[p] == '"')
                {
                    var openedOn = line;
                    pos = p + 1;
                    quoted.Clear();
                    while (true)
                    {
                        if (pos >= n) throw new CsvFormatException(openedOn, "unterminated quoted field: the quote opened here is never closed");
                        var c = text[pos];
                        if (c == '"')
                        {
                            if (pos + 1 < n && text[pos + 1] == '"')
                            {
                                quoted.Append('"');
                                pos += 2;
                                continue;
                            }

                            pos++;
                            break;
                        }

                        if (c == '\n' || (c == '\r' && (pos + 1 >= n || text[pos + 1] != '\n'))) line++;
                        quoted.Append(c);
                        pos++;
                    }

                    pos = SkipBlanks(text, pos);
                    if (pos < n && text[pos] is not (',' or '\r' or '\n'))
                        throw new CsvFormatException(line, $"unexpected '{text[pos]}' after a closing quote (write a quote inside a quoted field as \"\")");
                    fields.Add(quoted.ToString());
                }
                else
                {
                    var start = pos;
                    while (pos < n && text[pos] is not (',' or '\r' or '\n'))
                    {
                        if (text[pos] == '"')
                            throw new CsvFormatException(line, "a quote inside an unquoted field (quote the whole field and double the quote: \"a \"\"b\"\"\")");
                        pos++;
                    }

                    fields.Add(text.Substring(start, pos - start));
                }

                if (pos < n && text[pos] == ',')
                {
                    pos++;
                    continue;
                }

                break;
            }

            if (pos < n) pos = SkipLineEnd(text, pos, ref line);
            records.Add(new CsvRecord(recordLine, [.. fields]));
            if (records.Count - 1 > limits.MaxRows)
                throw new CsvFormatException(0, $"the file has more than {limits.MaxRows.ToString("N0", CultureInfo.InvariantCulture)} rows; split it into smaller files");
        }

        return records;
    }

    private static int SkipBlanks(string text, int pos)
    {
        while (pos < text.Length && text[pos] is ' ' or '\t') pos++;
        return pos;
    }

    private static int SkipLineEnd(string text, int pos, ref int line)
    {
        line++;
        if (text[pos] == '\r' && pos + 1 < text.Length && text[pos + 1] == '\n') return pos + 2;
        return pos + 1;
    }

    private static CsvFormatException Binary(int line, string what) =>
        new(line, $"binary data ({what}); expected a UTF-8 text CSV file");

    private static CsvFormatException TooLarge(long bytes, CsvLimits limits, bool atLeast = false) =>
        new(0, $"the file is {(atLeast ? "over " : "")}{Megabytes(bytes)}; the limit is {Megabytes(limits.MaxBytes)} — split it into smaller files");

    private static string Megabytes(long bytes) => bytes >= 1024 * 1024
        ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
        : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
}
