using System.CommandLine;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary>
/// <c>users forget U</c>: erases the user everywhere (devices with their sessions, grain state, interaction
/// and decision logs, feedback, outbox entries; the user's audit entries are redacted) and prints what went; an unknown user exits 2.
/// </summary>
public static class UsersForgetCommand
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var userId = new Argument<string>("U") { Description = "User id" }.MustBeId("user id");
        var command = new Command("forget",
            "Erase a user everywhere: devices (live sessions closed), state, interactions, decisions, feedback, outbox entries") { userId };
        command.SetHandler(services, global, async ctx =>
        {
            var id = ctx.Get(userId)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var erased = await cluster.Grains.GetGrain<IUserAdminGrain>(id).ForgetAsync().ConfigureAwait(false);
            if (!erased.Known) throw new CliInputException($"unknown user '{id}': nothing of it is stored");

            if (ctx.Json)
            {
                var json = new UsersForgetJson(erased.UserId, erased.Devices, erased.GrainStates, erased.Interactions, erased.Decisions,
                    erased.Feedback, erased.OutboxEntries, erased.Segments, erased.AuditEntries);
                await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.UsersForgetJson).ConfigureAwait(false);
            }
            else
            {
                ctx.Services.Console.MarkupLine(Markup.Escape(
                    $"Forgot {id}: {erased.Devices} devices (live sessions closed), {erased.GrainStates} grain states, " +
                    $"{erased.Interactions} interactions, {erased.Decisions} decisions, {erased.Feedback} feedback, " +
                    $"{erased.OutboxEntries} outbox entries, {erased.Segments} profile rows; {erased.AuditEntries} audit entries redacted."));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
