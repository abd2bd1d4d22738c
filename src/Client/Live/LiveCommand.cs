using Osr.Orleans.Client.Cli;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Osr.Orleans.Client.Live;

/// <summary>
/// Runs a live view until Ctrl+C (which ends it with success): on a terminal a Spectre.Console live display redrawn on
/// every update, otherwise one plain line per update on standard output.
/// </summary>
public static class LiveCommand
{
    public static async Task<int> RunAsync<T>(CommandContext ctx, IAsyncEnumerable<T> updates, IRenderable waiting,
        Func<T, IRenderable> render, Func<T, Task> writeLine)
    {
        try
        {
            if (ctx.Services.OutIsTerminal && !ctx.Json)
            {
                await ctx.Services.Console.Live(waiting).AutoClear(false).StartAsync(async live =>
                {
                    live.Refresh();
                    await foreach (var update in updates.ConfigureAwait(false))
                    {
                        live.UpdateTarget(render(update));
                        live.Refresh();
                    }
                }).ConfigureAwait(false);
            }
            else
            {
                await foreach (var update in updates.ConfigureAwait(false)) await writeLine(update).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the normal end of a live view.
        }
        return ExitCodes.Success;
    }
}
