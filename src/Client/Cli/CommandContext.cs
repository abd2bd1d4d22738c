using System.CommandLine;
using Osr.Orleans.Client.Cluster;

namespace Osr.Orleans.Client.Cli;

/// <summary>One command invocation: parsed global options, injected services, the cancellation token.</summary>
public sealed class CommandContext(CliServices services, GlobalOptions global, ParseResult parseResult, CancellationToken cancellationToken)
{
    public CliServices Services { get; } = services;
    public ParseResult ParseResult { get; } = parseResult;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public bool Json { get; } = parseResult.GetValue(global.Json);
    public bool Verbose { get; } = parseResult.GetValue(global.Verbose);
    public string? Gateway { get; } = parseResult.GetValue(global.Gateway);

    public TextWriter Out => Services.Out;
    public TextWriter Error => Services.Error;

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);
    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>Where the cluster is (validates configuration; throws <see cref="CliInputException"/>).</summary>
    public ClusterTarget ResolveTarget() => ClusterTarget.Resolve(Services.Configuration, Gateway);

    public Task<IClusterConnection> ConnectAsync() => Services.Clusters.ConnectAsync(ResolveTarget(), Verbose, CancellationToken);
}

/// <summary>Runs a command body and maps its outcome to an exit code and a message on stderr.</summary>
public static class CommandRunner
{
    public static void SetHandler(this Command command, CliServices services, GlobalOptions global, Func<CommandContext, Task<int>> body) =>
        command.SetAction((parseResult, cancellationToken) => RunAsync(new CommandContext(services, global, parseResult, cancellationToken), body));

    public static async Task<int> RunAsync(CommandContext context, Func<CommandContext, Task<int>> body)
    {
        try
        {
            return await body(context).ConfigureAwait(false);
        }
        catch (CliInputException ex)
        {
            foreach (var problem in ex.Problems) await context.Error.WriteLineAsync(problem).ConfigureAwait(false);
            if (ex.Problems.Count != 1 || ex.Problems[0] != ex.Message) await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (CliFailureException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.GetBaseException().Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
