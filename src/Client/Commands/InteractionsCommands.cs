using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>interactions import</c>.</summary>
public static class InteractionsCommands
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var interactions = new Command("interactions", "Import interactions into the interaction log");
        interactions.Add(CreateImport(services, global));
        return interactions;
    }

    private static Command CreateImport(CliServices services, GlobalOptions global)
    {
        var file = new Argument<string>("interactions.csv")
        {
            Description = "CSV (or .csv.gz) with header userId,itemId,action,ts (action: view, like, follow, purchase, train; ts: RFC 3339 " +
                          "with offset), or the online-retail layout user_id,item_id,timestamp,quantity,invoice_no (every row a purchase)",
        };
        var skip = Validation.IntOption(
            "--skip",
            "Store nothing from the first N data rows (they are still validated): resumes an import that stopped part-way, with the N it printed",
            0, 0, CsvLimits.Import.MaxRows);
        skip.HelpName = "N";
        var chunkSize = Validation.IntOption(
            "--chunk-size",
            $"Rows per transaction (at most {InteractionRows.MaxChunkSize})",
            InteractionRows.MaxChunkSize, 1, InteractionRows.MaxChunkSize);
        chunkSize.HelpName = "ROWS";

        var command = new Command(
            "import",
            "Append every interaction of a CSV file (up to 5,000,000 rows) to the interaction log. The whole file is checked first: " +
            "bad input exits 2 and stores nothing. Rows are then stored in chunks of up to 100,000, each chunk one transaction. " +
            "If a chunk fails after earlier ones were stored, those stay stored: the command says how many rows were stored and " +
            "prints the --skip N that resumes from the first row not stored, and exits 1.")
        { file, skip, chunkSize };
        command.SetHandler(services, global, async ctx =>
        {
            var path = ctx.Get(file)!;
            var limits = ctx.Services.ImportLimits;
            InteractionImport import;
            using (var stream = ImportReport.Open(path, limits))
            using (var reader = new CsvRecordReader(stream, limits))
            {
                import = InteractionRows.Validate(reader, ctx.Get(skip), ctx.Get(chunkSize), ctx.CancellationToken);
            }

            ImportReport.ThrowIfAny(path, import.Problems, import.ProblemCount);
            return await StoreAsync(ctx, path, import).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> StoreAsync(CommandContext ctx, string path, InteractionImport import)
    {
        var chunks = import.Chunks;
        var toSend = import.ToSend;
        var stored = 0;
        if (chunks.Count > 0)
        {
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var catalog = cluster.Grains.GetGrain<ICatalogGrain>(GrainKeys.Global);
            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                try
                {
                    ctx.CancellationToken.ThrowIfCancellationRequested();
                    await catalog.ImportInteractionsAsync(chunk.Records).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    await ReportStoppedAsync(ctx, path, import, i, stored, ex).ConfigureAwait(false);
                    throw new CliFailureException(
                        $"the import stopped after {stored} of {toSend} rows; rerun the same command with --skip {import.Skipped + stored} to store the rest", ex);
                }

                stored += chunk.Records.Length;
                if (!ctx.Json && chunks.Count > 1)
                    await ctx.Error.WriteLineAsync($"chunk {i + 1}/{chunks.Count}: stored lines {chunk.FirstLine}–{chunk.LastLine} ({stored} of {toSend} rows)").ConfigureAwait(false);
            }
        }

        if (ctx.Json)
        {
            var json = new InteractionsImportJson(stored, import.Skipped, import.Rows, chunks.Count, LayoutName(import), true, null, null);
            await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.InteractionsImportJson).ConfigureAwait(false);
        }
        else
        {
            var skipped = import.Skipped > 0 ? $", skipped the first {import.Skipped} rows" : "";
            var layout = import.Layout == InteractionLayout.OnlineRetail ? ", online-retail layout: every row a purchase" : "";
            ctx.Services.Console.MarkupLine(Markup.Escape(
                $"Imported {stored} interactions from {path} ({Plural(chunks.Count, "transaction")}{skipped}{layout})."));
        }

        return ExitCodes.Success;
    }

    /// <summary>Says exactly what was stored before chunk <paramref name="failed"/> failed and how to resume.</summary>
    private static async Task ReportStoppedAsync(CommandContext ctx, string path, InteractionImport import, int failed, int stored, Exception ex)
    {
        var chunks = import.Chunks;
        var chunk = chunks[failed];
        var nextSkip = import.Skipped + stored;
        var reason = ex is OperationCanceledException ? "cancelled" : $"failed: {ex.GetBaseException().Message}";
        var lines = new List<string>
        {
            $"{path}: chunk {failed + 1} of {chunks.Count} (lines {chunk.FirstLine}–{chunk.LastLine}, {chunk.Records.Length} rows) {reason}",
            stored == 0
                ? $"{path}: this run stored no rows"
                : $"{path}: this run stored {stored} rows (lines {chunks[0].FirstLine}–{chunks[failed - 1].LastLine}, {Plural(failed, "transaction")}); they stay stored",
            $"{path}: nothing from line {chunk.FirstLine} on was stored; to resume there, rerun the same command with --skip {nextSkip}",
        };
        if (ex is TimeoutException)
        {
            lines.Add($"{path}: the call timed out, so chunk {failed + 1} may have been stored after all (as a whole: it is one transaction); " +
                      $"if the interaction count grew by {chunk.Records.Length} more, resume with --skip {nextSkip + chunk.Records.Length} instead");
        }

        foreach (var line in lines) await ctx.Error.WriteLineAsync(line).ConfigureAwait(false);

        if (ctx.Json)
        {
            var json = new InteractionsImportJson(stored, import.Skipped, import.Rows, chunks.Count, LayoutName(import), false, nextSkip, chunk.FirstLine);
            await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.InteractionsImportJson).ConfigureAwait(false);
        }
    }

    private static string LayoutName(InteractionImport import) => import.Layout == InteractionLayout.OnlineRetail ? "online-retail" : "standard";

    private static string Plural(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
