using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Time;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary>
/// <c>audit show [--since T] [--limit N]</c>: the admin changes recorded in the audit trail (<see cref="IAuditGrain"/>), oldest
/// first: who, when, what, before → after. T is an RFC 3339 date-time or an age (<c>24h</c>: the last 24 hours).
/// </summary>
public static class AuditCommands
{
    internal const int DefaultLimit = 1000;
    internal const int MaxLimit = 100_000;

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var audit = new Command("audit", "The audit trail of admin changes (rules, devices, users, models)");
        audit.Add(CreateShow(services, global));
        return audit;
    }

    private static Command CreateShow(CliServices services, GlobalOptions global)
    {
        var since = new Option<string>("--since")
        {
            Description = $"Only changes at or after T: an RFC 3339 date-time ({Rfc3339.Example}) or an age such as 24h or 30m",
            HelpName = "T",
        };
        var limit = Validation.IntOption("--limit", $"At most N entries, the oldest first (default {DefaultLimit})", DefaultLimit, 1, MaxLimit);
        limit.HelpName = "N";
        var command = new Command("show", "Admin changes: who, when, what, before → after (oldest first)") { since, limit };
        command.SetHandler(services, global, async ctx =>
        {
            var from = ParseSince(ctx.Get(since), ctx.Services.Time.GetUtcNow());
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var entries = await cluster.Grains.GetGrain<IAuditGrain>(GrainKeys.Global).ReadAsync(from, ctx.Get(limit)).ConfigureAwait(false);
            if (ctx.Json)
                await JsonOutput.WriteAsync(ctx.Out, [.. entries.Select(ToJson)], AdminJsonContext.Default.AuditEntryJsonArray).ConfigureAwait(false);
            else Render(ctx.Services.Console, entries, from);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>null when <paramref name="text"/> is null; an RFC 3339 instant; or <paramref name="now"/> minus an age.</summary>
    /// <exception cref="CliInputException">Neither.</exception>
    internal static DateTimeOffset? ParseSince(string? text, DateTimeOffset now)
    {
        if (text is null) return null;
        if (Rfc3339.TryParse(text, out var at)) return at;
        if (DurationParser.TryParse(text, out var age, out _)) return now - age;
        throw new CliInputException($"--since must be an RFC 3339 date-time with an offset ({Rfc3339.Example}) or an age such as 24h, not '{text}'");
    }

    internal static AuditEntryJson ToJson(AuditEntry e) =>
        new(e.Id, Time(e.At), e.Who, e.Action, e.Target, e.Before, e.After);

    private static void Render(IAnsiConsole console, AuditEntry[] entries, DateTimeOffset? since)
    {
        if (entries.Length == 0)
        {
            console.MarkupLine(Markup.Escape(since is { } s ? $"No admin changes since {Time(s)}." : "No admin changes recorded yet."));
            return;
        }
        var table = new Table().Title("Admin changes (oldest first)")
            .AddColumns(new TableColumn("when (UTC)").NoWrap(), new TableColumn("who"), new TableColumn("what"), new TableColumn("target"),
                new TableColumn("before → after"));
        foreach (var e in entries)
            table.AddRow(Markup.Escape(Time(e.At)), Markup.Escape(e.Who), Markup.Escape(e.Action), Markup.Escape(e.Target),
                Markup.Escape($"{e.Before ?? "—"} → {e.After ?? "—"}"));
        console.Write(table);
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
