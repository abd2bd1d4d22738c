using System.CommandLine;

namespace Osr.Orleans.Client.Cli;

/// <summary>Options every command accepts (recursive on the root command).</summary>
public sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output on stdout (docs/contract.md field names)",
        Recursive = true,
    };

    public Option<string?> Gateway { get; } = new("--gateway")
    {
        Description = "Connect through any live gateway of this list instead of the configured cluster",
        HelpName = "HOST:PORT[,HOST:PORT…]",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Log the Orleans client's diagnostics to stderr",
        Recursive = true,
    };

    public GlobalOptions() => Gateway.Validators.Add(result =>
    {
        var value = result.GetValueOrDefault<string?>();
        if (value is not null && !EndpointParser.TryParseList(value, out _, out var error)) result.AddError($"--gateway: {error}");
    });

    public void AddTo(Command root)
    {
        root.Add(Json);
        root.Add(Gateway);
        root.Add(Verbose);
    }
}
