using Microsoft.Extensions.Configuration;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Client.Csv;
using Spectre.Console;

namespace Osr.Orleans.Client.Cli;

/// <summary>
/// What every command needs from the outside world, injected so tests run the real command tree with
/// string writers and a cluster-connection factory that records whether it was called.
/// </summary>
public sealed class CliServices
{
    /// <summary>Machine-readable output (<c>--json</c>, CSV lines) goes here.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Errors, progress and anything that must not pollute <see cref="Out"/>.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Human output (tables) on <see cref="Out"/>.</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>Human output on <see cref="Error"/> (the simulator's live view when stdout carries JSON).</summary>
    public required IAnsiConsole ErrorConsole { get; init; }

    public required IClusterConnectionFactory Clusters { get; init; }

    public required IConfiguration Configuration { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether <see cref="Out"/> is a terminal: live views (the training progress bar) are drawn only then;
    /// otherwise progress is written as plain lines on <see cref="Error"/>.
    /// </summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>How often <c>model train</c> asks the registry for the job's progress (tests shorten it).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Size limits of <c>items import</c> and <c>interactions import</c> (tests lower them).</summary>
    public CsvLimits ImportLimits { get; init; } = CsvLimits.Import;

    /// <summary>How long Ctrl+C waits for a command to wind down (the simulator drains and disconnects).</summary>
    public TimeSpan? TerminationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The real console, appsettings.json next to the executable or in the working directory, and <c>Osr__…</c> variables.</summary>
    public static CliServices CreateDefault()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();

        return new CliServices
        {
            Out = System.Console.Out,
            Error = System.Console.Error,
            Console = AnsiConsole.Console,
            OutIsTerminal = !System.Console.IsOutputRedirected,
            ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) }),
            Clusters = new OrleansClusterConnectionFactory(),
            Configuration = configuration,
        };
    }
}
