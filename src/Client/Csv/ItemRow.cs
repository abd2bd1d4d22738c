using System.Buffers;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Client.Csv;

/// <summary>
/// One row of an items CSV (docs/contract.md "Files": <c>itemId,kind,category,tags</c>): kind one of
/// program, post, user, product; category 1–64 characters; tags <c>;</c>-separated, each 1–64
/// characters, at most 32, the field may be empty (or the column absent). Values are trimmed; none may
/// contain control characters (tabs or line breaks inside quotes).
/// </summary>
public sealed record ItemRow(int Line, string ItemId, ItemKind Kind, string Category, string[] Tags)
{
    public const int MaxCategoryLength = 64;
    public const int MaxTagLength = 64;
    public const int MaxTags = 32;
    public const char TagSeparator = ';';

    private static readonly string[] Required = ["itemId", "kind", "category"];
    private static readonly string[] Optional = ["tags"];
    private static readonly SearchValues<char> ControlCharacters = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(c => (char)c), (char)0x7F]);

    public ItemRecord ToRecord() => new(ItemId, Kind, Category, Tags);

    /// <summary>Checks the whole file (header, field counts, values, duplicate item ids) and reports every problem.</summary>
    public static CsvValidation<ItemRow> ValidateAll(CsvTable table)
    {
        var errors = new List<RowError>();
        var rows = new List<ItemRow>(table.Rows.Count);
        var columns = CsvColumns.Resolve(table.Header, Required, Optional, errors);
        if (columns is null) return new CsvValidation<ItemRow>(rows, errors);
        if (table.Rows.Count == 0) errors.Add(new RowError(table.Header.Line, "the file has a header but no items"));

        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in table.Rows)
        {
            if (!columns.HasAllFields(record, errors)) continue;
            var line = record.Line;
            var itemId = columns.Get(record, "itemId");
            var kindText = columns.Get(record, "kind");
            var category = columns.Get(record, "category");
            var tagsText = columns.Get(record, "tags");

            var ok = true;
            if (!GrainKeys.IsValidId(itemId))
            {
                errors.Add(new RowError(line, GrainKeys.InvalidIdMessage("item id", FieldText.Clip(itemId))));
                ok = false;
            }
            else if (!firstLine.TryAdd(itemId, line))
            {
                errors.Add(new RowError(line, $"item '{itemId}' is listed twice (first on line {firstLine[itemId]})"));
                ok = false;
            }

            if (!ItemKinds.TryParse(kindText, out var kind))
            {
                errors.Add(new RowError(line, $"kind '{FieldText.Clip(kindText)}' must be one of program, post, user, product"));
                ok = false;
            }

            if (CheckText("category", category, MaxCategoryLength) is { } categoryError)
            {
                errors.Add(new RowError(line, categoryError));
                ok = false;
            }

            var tags = ParseTags(tagsText, out var tagsError);
            if (tagsError is not null)
            {
                errors.Add(new RowError(line, tagsError));
                ok = false;
            }

            if (ok) rows.Add(new ItemRow(line, itemId, kind, category, tags));
        }

        return new CsvValidation<ItemRow>(rows, errors);
    }

    /// <summary>Splits a tags field; empty means no tags. On a problem returns no tags and sets <paramref name="error"/>.</summary>
    public static string[] ParseTags(string text, out string? error)
    {
        error = null;
        if (text.Length == 0) return [];
        var parts = text.Split(TagSeparator);
        if (parts.Length > MaxTags)
        {
            error = $"{parts.Length} tags; at most {MaxTags} are allowed";
            return [];
        }

        var tags = new string[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            tags[i] = parts[i].Trim();
            if (CheckText($"tag {i + 1}", tags[i], MaxTagLength) is { } tagError)
            {
                error = tags[i].Length == 0 ? $"{tagError} (write tags as a{TagSeparator}b{TagSeparator}c)" : tagError;
                return [];
            }
        }

        return tags;
    }

    /// <summary>Null if <paramref name="value"/> is 1–<paramref name="max"/> characters without control characters; otherwise why not.</summary>
    private static string? CheckText(string what, string value, int max)
    {
        if (value.Length == 0) return $"{what} is empty; 1–{max} characters are required";
        if (value.Length > max) return $"{what} is {value.Length} characters long; at most {max} are allowed";
        var control = value.AsSpan().IndexOfAny(ControlCharacters);
        return control >= 0 ? $"{what} contains a control character (U+{(int)value[control]:X4})" : null;
    }
}
