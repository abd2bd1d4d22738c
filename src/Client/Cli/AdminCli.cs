using System.CommandLine;
using System.CommandLine.Invocation;
using Osr.Orleans.Client.Commands;

namespace Osr.Orleans.Client.Cli;

/// <summary>The <c>osr-admin</c> command tree and its entry point.</summary>
public static class AdminCli
{
    public static RootCommand CreateRootCommand(CliServices services)
    {
        var global = new GlobalOptions();
        var root = new RootCommand("osr-admin: administer and exercise the Osr.Orleans cluster");
        global.AddTo(root);
        root.Add(DevicesCommands.Create(services, global));
        root.Add(UsersCommands.Create(services, global));
        root.Add(ItemsCommands.Create(services, global));
        root.Add(InteractionsCommands.Create(services, global));
        root.Add(ModelCommands.Create(services, global));
        root.Add(RulesCommands.Create(services, global));
        root.Add(UserCommands.Create(services, global));
        root.Add(StatsCommands.Create(services, global));
        root.Add(SimulateCommand.Create(services, global));
        root.Add(DbCommands.Create(services, global));
        root.Add(AuditCommands.Create(services, global));
        return root;
    }

    /// <summary>
    /// Parses and runs. Parse errors (unknown option, missing or malformed value, invalid id, no command)
    /// are reported on stderr with exit code 2 before anything runs or connects.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliServices services, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand(services).Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var error in parseResult.Errors) await services.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            await services.Error.WriteLineAsync("Run 'osr-admin --help' for usage.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        var invocation = new InvocationConfiguration
        {
            Output = services.Out,
            Error = services.Error,
            ProcessTerminationTimeout = services.TerminationTimeout,
        };
        return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }
}
