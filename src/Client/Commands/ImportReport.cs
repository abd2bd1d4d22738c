using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Csv;

namespace Osr.Orleans.Client.Commands;

/// <summary>How the catalogue imports report a bad file: the first problems with their lines, then a count.</summary>
internal static class ImportReport
{
    public const int MaxShown = InteractionRows.MaxProblemsKept;

    /// <summary>Throws (exit 2) listing at most <see cref="MaxShown"/> of <paramref name="problems"/> (in line order) out of <paramref name="total"/>.</summary>
    public static void ThrowIfAny(string path, IReadOnlyList<RowError> problems, int total)
    {
        if (total == 0) return;
        var shown = problems.OrderBy(e => e.Line).Take(MaxShown).Select(e => $"{path}: {e}").ToList();
        if (total > shown.Count) shown.Add($"{path}: … and {total - shown.Count} more (only the first {shown.Count} are listed)");
        throw new CliInputException($"{path}: {total} problem{(total == 1 ? "" : "s")}; nothing was imported", shown);
    }

    /// <summary>Opens an import file (gzip decompressed), mapping a missing, oversize or mislabelled file to exit 2.</summary>
    public static Stream Open(string path, CsvLimits limits)
    {
        try
        {
            return CsvRecordReader.OpenFile(path, limits);
        }
        catch (CsvFormatException ex)
        {
            throw new CliInputException($"{path}: {ex.Message}; nothing was imported");
        }
    }
}
