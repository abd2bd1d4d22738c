using System.CommandLine;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>items import</c>.</summary>
public static class ItemsCommands
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var items = new Command("items", "Import the item catalogue");
        items.Add(CreateImport(services, global));
        return items;
    }

    private static Command CreateImport(CliServices services, GlobalOptions global)
    {
        var file = new Argument<string>("items.csv")
        {
            Description = "CSV (or gzip-compressed CSV) with header itemId,kind,category,tags; kind is program, post, user or product; tags are ;-separated",
        };
        var command = new Command(
            "import",
            "Add or replace every item of a CSV file in the catalogue. The whole file is checked first (bad input: exit 2, nothing " +
            "changed), then stored in one transaction: all items or none.")
        { file };
        command.SetHandler(services, global, async ctx =>
        {
            var path = ctx.Get(file)!;
            var limits = ctx.Services.ImportLimits;
            CsvTable table;
            using (var stream = ImportReport.Open(path, limits))
            {
                try
                {
                    table = CsvReader.Read(stream, limits);
                }
                catch (CsvFormatException ex)
                {
                    throw new CliInputException($"{path}: {ex.Message}; nothing was imported");
                }
            }

            var validation = ItemRow.ValidateAll(table);
            ImportReport.ThrowIfAny(path, validation.Errors, validation.Errors.Count);
            var records = validation.Rows.Select(r => r.ToRecord()).ToArray();

            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var imported = await cluster.Grains.GetGrain<ICatalogGrain>(GrainKeys.Global).ImportItemsAsync(records).ConfigureAwait(false);

            if (ctx.Json)
                await JsonOutput.WriteAsync(ctx.Out, new ItemsImportJson(imported), AdminJsonContext.Default.ItemsImportJson).ConfigureAwait(false);
            else
                ctx.Services.Console.MarkupLine(Markup.Escape($"Imported {imported} items from {path}."));

            return ExitCodes.Success;
        });
        return command;
    }
}
