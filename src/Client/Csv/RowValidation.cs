namespace Osr.Orleans.Client.Csv;

/// <summary>A problem with one line of an import file.</summary>
public readonly record struct RowError(int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}

/// <summary>The valid rows of a file and every problem found; the file is usable only if there are no errors.</summary>
public sealed record CsvValidation<T>(IReadOnlyList<T> Rows, IReadOnlyList<RowError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Maps header names (case-insensitive, trimmed) to field positions and checks that each record has
/// exactly as many fields as the header. Unknown extra columns are reported, so a misspelt header
/// (<c>user_id</c>) is not silently ignored.
/// </summary>
public sealed class CsvColumns
{
    private readonly Dictionary<string, int> _index;
    private readonly int _count;

    private CsvColumns(Dictionary<string, int> index, int count)
    {
        _index = index;
        _count = count;
    }

    /// <summary>Resolves the header; returns null (and adds errors) if a required column is missing or a name is unknown or repeated.</summary>
    public static CsvColumns? Resolve(CsvRecord header, IReadOnlyList<string> required, IReadOnlyList<string> optional, List<RowError> errors)
    {
        var expected = string.Join(',', required.Concat(optional));
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var ok = true;
        for (var i = 0; i < header.Fields.Length; i++)
        {
            var name = header.Fields[i].Trim();
            var known = required.Concat(optional).FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                errors.Add(new RowError(header.Line, $"unknown column '{FieldText.Clip(name)}' in the header (expected {expected})"));
                ok = false;
            }
            else if (!index.TryAdd(known, i))
            {
                errors.Add(new RowError(header.Line, $"column '{known}' appears twice in the header"));
                ok = false;
            }
        }

        foreach (var name in required)
        {
            if (index.ContainsKey(name)) continue;
            errors.Add(new RowError(header.Line, $"the header has no '{name}' column (expected {expected})"));
            ok = false;
        }

        return ok ? new CsvColumns(index, header.Fields.Length) : null;
    }

    /// <summary>True if the record has the header's field count; otherwise adds an error.</summary>
    public bool HasAllFields(CsvRecord record, List<RowError> errors)
    {
        if (record.Fields.Length == _count) return true;
        errors.Add(new RowError(record.Line, $"expected {_count} fields, found {record.Fields.Length}"));
        return false;
    }

    /// <summary>The trimmed value of a column, or "" if the column is absent from this file.</summary>
    public string Get(CsvRecord record, string column) =>
        _index.TryGetValue(column, out var i) ? record.Fields[i].Trim() : "";
}

/// <summary>Field values quoted in error messages, shortened so a hostile file cannot flood the terminal.</summary>
public static class FieldText
{
    public const int MaxShown = 80;

    public static string Clip(string value) => value.Length <= MaxShown ? value : string.Concat(value.AsSpan(0, MaxShown), "…");
}
