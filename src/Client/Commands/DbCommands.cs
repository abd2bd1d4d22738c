using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Storage.Migrations;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>db migrate</c>: bring the stores' database schemas to this build's version.</summary>
public static class DbCommands
{
    private const string DataPathKey = "Osr:Data:Path";

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var db = new Command("db", "The stores' databases");
        db.Add(CreateMigrate(services, global));
        return db;
    }

    private static Command CreateMigrate(CliServices services, GlobalOptions global)
    {
        var connection = new Option<string?>("--connection")
        {
            Description = "Migrate this PostgreSQL database (Npgsql connection string) instead of the embedded SQLite files",
            HelpName = "CS",
        };
        var data = new Option<string?>("--data")
        {
            Description = "Directory of the embedded SQLite files (default: Osr:Data:Path, else .osr/data)",
            HelpName = "PATH",
        };
        var command = new Command(
            "migrate",
            "Apply the schema migrations this build has and the database lacks, in order, each in its own transaction. " +
            "Safe to repeat (exit 0 when already current). A database whose schema is newer than this build knows is refused " +
            "(exit 2, nothing changed); an unreachable server exits 1.")
        { connection, data };
        command.SetHandler(services, global, async ctx =>
        {
            var connectionString = ctx.Get(connection);
            IReadOnlyList<MigrationResult> results;
            try
            {
                results = connectionString is null
                    ? await MigrateEmbeddedAsync(ctx, ctx.Get(data)).ConfigureAwait(false)
                    : [await MigratePostgreSqlAsync(connectionString, ctx.Get(data), ctx.CancellationToken).ConfigureAwait(false)];
            }
            catch (SchemaVersionException ex)
            {
                throw new CliInputException($"{ex.Message}; nothing was changed");
            }

            if (ctx.Json) await WriteJsonAsync(ctx.Out, results).ConfigureAwait(false);
            else
            {
                foreach (var r in results)
                {
                    var what = r.Applied == 0 ? "already current" : $"{r.Applied} migration(s) applied";
                    ctx.Services.Console.MarkupLine(Markup.Escape($"{r.Database}: version {r.Before} → {r.After} ({what})"));
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Task<IReadOnlyList<MigrationResult>> MigrateEmbeddedAsync(CommandContext ctx, string? data)
    {
        var path = data ?? ctx.Services.Configuration[DataPathKey] ?? Path.Combine(".osr", "data");
        if (string.IsNullOrWhiteSpace(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            throw new CliInputException($"--data: '{path}' is not a directory path");
        if (File.Exists(path)) throw new CliInputException($"--data: {path} is a file, not a directory");
        return SchemaMigrator.MigrateEmbeddedAsync(path, apply: true, ctx.CancellationToken);
    }

    private static async Task<MigrationResult> MigratePostgreSqlAsync(string connectionString, string? data, CancellationToken cancellationToken)
    {
        if (data is not null) throw new CliInputException("--data and --connection exclude each other: --data names the embedded SQLite files");
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new CliInputException($"--connection: not a valid connection string: {ex.Message}");
        }
        if (string.IsNullOrWhiteSpace(builder.Host)) throw new CliInputException("--connection: no Host= given");
        if (string.IsNullOrWhiteSpace(builder.Database)) throw new CliInputException("--connection: no Database= given");

        try
        {
            return await SchemaMigrator.MigratePostgreSqlAsync(connectionString, apply: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException { SqlState: null } or SocketException or TimeoutException)
        {
            throw new CliFailureException($"cannot reach PostgreSQL at {builder.Host}:{builder.Port}: {ex.GetBaseException().Message}", ex);
        }
        catch (PostgresException ex)
        {
            throw new CliFailureException($"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}: {ex.MessageText} ({ex.SqlState})", ex);
        }
    }

    private static async Task WriteJsonAsync(TextWriter output, IReadOnlyList<MigrationResult> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("databases");
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("database", r.Database);
                json.WriteNumber("before", r.Before);
                json.WriteNumber("after", r.After);
                json.WriteNumber("known", r.Known);
                json.WriteNumber("applied", r.Applied);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
    }
}
