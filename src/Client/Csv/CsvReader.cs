using System.Globalization;

namespace Osr.Orleans.Client.Csv;

/// <summary>Size limits for an import file; larger files are refused before parsing.</summary>
public sealed record CsvLimits(long MaxBytes, int MaxRows)
{
    public static CsvLimits Default { get; } = new(50L * 1024 * 1024, 1_000_000);

    /// <summary>Catalogue and interaction imports: 500 MB (uncompressed) and 5,000,000 rows.</summary>
    public static CsvLimits Import { get; } = new(500L * 1024 * 1024, 5_000_000);
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
/// <see cref="CsvLimits"/>. Fields are returned verbatim (validators trim). Gzip files are decompressed.
/// The whole table is kept in memory; <see cref="CsvRecordReader"/> (which does the parsing) streams.
/// </summary>
public static class CsvReader
{
    /// <exception cref="CsvFormatException">Missing, oversize or malformed file.</exception>
    public static CsvTable ReadFile(string path, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        using var stream = CsvRecordReader.OpenFile(path, limits);
        return Read(stream, limits);
    }

    /// <exception cref="CsvFormatException">Oversize or malformed content.</exception>
    public static CsvTable Read(Stream stream, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        if (stream.CanSeek && stream.Length - stream.Position > limits.MaxBytes) throw TooLarge(stream.Length - stream.Position, limits);

        using var reader = new CsvRecordReader(stream, limits, leaveOpen: true);
        var header = reader.Read() ?? throw new CsvFormatException(0, "the file is empty: a header line is required");
        var rows = new List<CsvRecord>();
        while (reader.Read() is { } record) rows.Add(record);
        return new CsvTable(header, rows);
    }

    /// <exception cref="CsvFormatException">Malformed content or too many rows.</exception>
    public static CsvTable Parse(ReadOnlySpan<byte> utf8, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        if (utf8.Length > limits.MaxBytes) throw TooLarge(utf8.Length, limits);
        using var stream = new MemoryStream(utf8.ToArray(), writable: false);
        return Read(stream, limits);
    }

    internal static CsvFormatException TooLarge(long bytes, CsvLimits limits, bool atLeast = false, bool uncompressed = false) =>
        new(0, $"the file is {(atLeast ? "over " : "")}{Megabytes(bytes)}{(uncompressed ? " uncompressed" : "")}; the limit is {Megabytes(limits.MaxBytes)} — split it into smaller files");

    private static string Megabytes(long bytes) => bytes >= 1024 * 1024
        ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
        : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
}
