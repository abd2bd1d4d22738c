using Osr.Orleans.Models.Time;
using System.Globalization;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Client.Csv;

/// <summary>The two header layouts an interactions file may have.</summary>
public enum InteractionLayout
{
    /// <summary>docs/contract.md "Files": <c>userId,itemId,action,ts</c>.</summary>
    Standard,

    /// <summary>
    /// The project's online-retail dataset: <c>user_id,item_id,timestamp,quantity,invoice_no</c>; every row
    /// is a purchase, quantity (if given) must be a whole number ≥ 1, invoice_no is ignored.
    /// </summary>
    OnlineRetail,
}

/// <summary>Consecutive valid rows sent as one transaction, with the file lines they came from.</summary>
public sealed record InteractionChunk(int FirstLine, int LastLine, InteractionRecord[] Records);

/// <summary>
/// The outcome of validating a whole interactions file. <see cref="Chunks"/> hold the rows after the
/// skipped ones and are only filled while the file has no problem; <see cref="Problems"/> keeps the first
/// few problems in line order and <see cref="ProblemCount"/> counts them all.
/// </summary>
public sealed record InteractionImport(
    InteractionLayout Layout,
    int Rows,
    int Skipped,
    IReadOnlyList<InteractionChunk> Chunks,
    IReadOnlyList<RowError> Problems,
    int ProblemCount)
{
    public bool IsValid => ProblemCount == 0;

    /// <summary>Rows to be sent (all rows minus the skipped ones).</summary>
    public int ToSend => Chunks.Sum(c => c.Records.Length);
}

/// <summary>
/// Validates an interactions CSV as it streams (up to millions of rows, never held as text): header
/// layout, field counts, ids, action, RFC 3339 timestamp with offset. Ids are shared between rows, so
/// memory grows with the number of rows and distinct ids, not with the file size.
/// </summary>
public static class InteractionRows
{
    /// <summary>Largest number of rows in one <see cref="ICatalogGrain.ImportInteractionsAsync"/> call.</summary>
    public const int MaxChunkSize = 100_000;

    /// <summary>How many problems are kept for the report; the rest are only counted.</summary>
    public const int MaxProblemsKept = 20;

    private static readonly string[] StandardRequired = ["userId", "itemId", "action", "ts"];
    private static readonly string[] RetailRequired = ["user_id", "item_id", "timestamp"];
    private static readonly string[] RetailOptional = ["quantity", "invoice_no"];

    /// <summary>The online-retail layout is chosen when the header names any of these columns.</summary>
    private static readonly string[] RetailMarkers = ["user_id", "item_id", "invoice_no"];

    /// <summary>
    /// Reads and checks every record of <paramref name="reader"/>; a malformed file (binary data, bad
    /// UTF-8, a stray quote, too large) ends the check with that problem added.
    /// </summary>
    public static InteractionImport Validate(CsvRecordReader reader, int skip = 0, int chunkSize = MaxChunkSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, MaxChunkSize);

        var problems = new Problems();
        var layout = InteractionLayout.Standard;
        var chunks = new List<InteractionChunk>();
        var rows = 0;
        try
        {
            var header = reader.Read();
            if (header is null)
            {
                problems.Add(new RowError(0, "the file is empty: a header line is required"));
                return Result();
            }

            layout = DetectLayout(header);
            var scratch = new List<RowError>();
            var columns = layout == InteractionLayout.OnlineRetail
                ? CsvColumns.Resolve(header, RetailRequired, RetailOptional, scratch)
                : CsvColumns.Resolve(header, StandardRequired, [], scratch);
            if (columns is null)
            {
                problems.AddRange(scratch);
                if (layout == InteractionLayout.Standard)
                    problems.Add(new RowError(header.Line, "(the online-retail layout user_id,item_id,timestamp,quantity,invoice_no is also accepted)"));
                return Result();
            }

            var ids = new HashSet<string>(StringComparer.Ordinal);
            var current = new InteractionRecord[chunkSize];
            var count = 0;
            var firstLine = 0;
            var lastLine = 0;
            while (reader.Read() is { } record)
            {
                rows++;
                if ((rows & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
                scratch.Clear();
                if (!columns.HasAllFields(record, scratch))
                {
                    problems.AddRange(scratch);
                    continue;
                }

                if (!TryParse(record, columns, layout, ids, problems, out var interaction) || problems.Count > 0 || rows <= skip) continue;

                if (count == 0) firstLine = record.Line;
                lastLine = record.Line;
                current[count++] = interaction;
                if (count == chunkSize)
                {
                    chunks.Add(new InteractionChunk(firstLine, lastLine, current));
                    current = new InteractionRecord[chunkSize];
                    count = 0;
                }
            }

            if (count > 0) chunks.Add(new InteractionChunk(firstLine, lastLine, current[..count]));
            if (rows == 0) problems.Add(new RowError(header.Line, "the file has a header but no interactions"));
            else if (skip > rows) problems.Add(new RowError(0, $"--skip {skip} is more than the {rows} rows in the file"));
        }
        catch (CsvFormatException ex)
        {
            problems.Add(new RowError(ex.Line, ex.Problem));
        }

        return Result();

        InteractionImport Result() => problems.Count == 0
            ? new InteractionImport(layout, rows, Math.Min(skip, rows), chunks, [], 0)
            : new InteractionImport(layout, rows, Math.Min(skip, rows), [], problems.Kept, problems.Count);
    }

    /// <summary>Online-retail if the header names <c>user_id</c>, <c>item_id</c> or <c>invoice_no</c>; otherwise the contract's layout.</summary>
    public static InteractionLayout DetectLayout(CsvRecord header) =>
        header.Fields.Any(f => RetailMarkers.Contains(f.Trim(), StringComparer.OrdinalIgnoreCase))
            ? InteractionLayout.OnlineRetail
            : InteractionLayout.Standard;

    /// <summary>
    /// An online-retail id with its inner spaces replaced by <c>_</c> (the dataset has the stock code
    /// <c>BANK CHARGES</c>); other characters are left for the id check.
    /// </summary>
    public static string NormalizeRetailId(string id) =>
        id.Contains(' ') ? string.Join('_', id.Split(' ', StringSplitOptions.RemoveEmptyEntries)) : id;

    private static bool TryParse(CsvRecord record, CsvColumns columns, InteractionLayout layout, HashSet<string> ids, Problems problems, out InteractionRecord interaction)
    {
        interaction = default;
        var line = record.Line;
        var retail = layout == InteractionLayout.OnlineRetail;
        var userId = columns.Get(record, retail ? "user_id" : "userId");
        var itemId = columns.Get(record, retail ? "item_id" : "itemId");
        var tsColumn = retail ? "timestamp" : "ts";
        var tsText = columns.Get(record, tsColumn);
        if (retail)
        {
            userId = NormalizeRetailId(userId);
            itemId = NormalizeRetailId(itemId);
        }

        var ok = true;
        if (!GrainKeys.IsValidId(userId))
        {
            problems.Add(new RowError(line, GrainKeys.InvalidIdMessage("user id", FieldText.Clip(userId))));
            ok = false;
        }

        if (!GrainKeys.IsValidId(itemId))
        {
            problems.Add(new RowError(line, GrainKeys.InvalidIdMessage("item id", FieldText.Clip(itemId))));
            ok = false;
        }

        var action = InteractionAction.Purchase;
        if (!retail)
        {
            var actionText = columns.Get(record, "action");
            if (!InteractionActions.TryParse(actionText, out action))
            {
                problems.Add(new RowError(line, $"action '{FieldText.Clip(actionText)}' must be one of view, like, follow, purchase, train"));
                ok = false;
            }
        }
        else
        {
            var quantity = columns.Get(record, "quantity");
            if (quantity.Length > 0 && (!int.TryParse(quantity, NumberStyles.None, CultureInfo.InvariantCulture, out var q) || q < 1))
            {
                problems.Add(new RowError(line, $"quantity '{FieldText.Clip(quantity)}' must be empty or a whole number ≥ 1 (a return or cancellation is not a purchase)"));
                ok = false;
            }
        }

        if (!Rfc3339.TryParseUtcTicks(tsText, out var ticks))
        {
            problems.Add(new RowError(line, $"{tsColumn} '{FieldText.Clip(tsText)}' must be RFC 3339 with an offset, e.g. {Rfc3339.Example}"));
            ok = false;
        }

        if (!ok) return false;
        interaction = new InteractionRecord(Intern(ids, userId), Intern(ids, itemId), action, ticks);
        return true;
    }

    private static string Intern(HashSet<string> ids, string id)
    {
        if (ids.TryGetValue(id, out var shared)) return shared;
        ids.Add(id);
        return id;
    }

    /// <summary>Keeps the first <see cref="MaxProblemsKept"/> problems and counts all of them.</summary>
    private sealed class Problems
    {
        private readonly List<RowError> _kept = [];

        public int Count { get; private set; }

        public IReadOnlyList<RowError> Kept => _kept;

        public void Add(RowError error)
        {
            Count++;
            if (_kept.Count < MaxProblemsKept) _kept.Add(error);
        }

        public void AddRange(IEnumerable<RowError> errors)
        {
            foreach (var error in errors) Add(error);
        }
    }
}
