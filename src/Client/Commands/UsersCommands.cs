using System.CommandLine;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>users import</c> and <c>users forget</c> (<see cref="UsersForgetCommand"/>).</summary>
public static class UsersCommands
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var users = new Command("users", "Import user profiles; erase a user");
        users.Add(CreateImport(services, global));
        users.Add(UsersForgetCommand.Create(services, global));
        return users;
    }

    private static Command CreateImport(CliServices services, GlobalOptions global)
    {
        var file = new Argument<string>("users.csv") { Description = "CSV with header userId,age,timezone,segment" };
        var command = new Command("import", "Set the profile (age, IANA time zone, segment) of every user in a CSV file (validated as a whole first)") { file };
        command.SetHandler(services, global, async ctx =>
        {
            var path = ctx.Get(file)!;
            CsvTable table;
            try
            {
                table = CsvReader.ReadFile(path);
            }
            catch (CsvFormatException ex)
            {
                throw new CliInputException($"{path}: {ex.Message}; nothing was imported");
            }

            var validation = UserRow.ValidateAll(table);
            DevicesCommands.ThrowIfAny(path, validation.Errors, "imported");
            var rows = validation.Rows;

            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var grains = cluster.Grains;
            await Parallel.ForEachAsync(rows, DevicesCommands.Parallelism(ctx.CancellationToken), async (row, _) =>
                await grains.GetGrain<IUserAdminGrain>(row.UserId).ImportProfileAsync(row.ToProfile()).ConfigureAwait(false)).ConfigureAwait(false);

            if (ctx.Json)
            {
                var json = new UsersImportJson(rows.Count, [.. rows.Select(r => r.UserId)]);
                await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.UsersImportJson).ConfigureAwait(false);
            }
            else
            {
                ctx.Services.Console.MarkupLine(Markup.Escape($"Imported {rows.Count} users from {path}."));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
