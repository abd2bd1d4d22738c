using Microsoft.Extensions.Configuration;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Spectre.Console;

namespace Osr.Orleans.IntegrationTests.Client;

/// <summary>Runs the real osr-admin command tree with string writers and a cluster factory that records calls.</summary>
internal sealed class TestCli
{
    public StringWriter Out { get; } = new();
    public StringWriter Error { get; } = new();
    public RecordingClusterFactory Clusters { get; } = new();
    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>Import size limits (the real ones are 500 MB and 5,000,000 rows).</summary>
    public Osr.Orleans.Client.Csv.CsvLimits ImportLimits { get; set; } = Osr.Orleans.Client.Csv.CsvLimits.Import;

    /// <summary>Pretend stdout is a terminal (live views instead of plain progress lines).</summary>
    public bool OutIsTerminal { get; set; }

    /// <summary>Console width in columns (Spectre's default for a non-terminal is 80).</summary>
    public int? ConsoleWidth { get; set; }

    /// <summary>How often <c>model train</c> polls (short, so tests don't wait 250 ms per step).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The console's clock (relative times such as <c>--since 24h</c>).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public async Task<int> RunAsync(params string[] args)
    {
        var services = new CliServices
        {
            Out = Out,
            Error = Error,
            Console = Plain(Out, ConsoleWidth),
            ErrorConsole = Plain(Error, ConsoleWidth),
            Clusters = Clusters,
            Configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build(),
            TerminationTimeout = null,
            ImportLimits = ImportLimits,
            OutIsTerminal = OutIsTerminal,
            PollInterval = PollInterval,
            Time = Time,
        };
        return await AdminCli.RunAsync(args, services);
    }

    private static IAnsiConsole Plain(TextWriter writer, int? width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (width is { } w) console.Profile.Width = w;
        return console;
    }
}

/// <summary>
/// Records every connection attempt and refuses it, so a test can assert that bad input never connects;
/// or, with <see cref="Connection"/> set, hands out that (fake) connection.
/// </summary>
internal sealed class RecordingClusterFactory : IClusterConnectionFactory
{
    public List<ClusterTarget> Calls { get; } = [];

    public IClusterConnection? Connection { get; set; }

    public Task<IClusterConnection> ConnectAsync(ClusterTarget target, bool verbose, CancellationToken cancellationToken)
    {
        Calls.Add(target);
        if (Connection is { } connection) return Task.FromResult(connection);
        throw new CliFailureException($"cannot reach the cluster at {target.Describe()}: is the silo running? (test)");
    }
}

/// <summary>Temporary files deleted at the end of a test.</summary>
internal sealed class TempFiles : IDisposable
{
    private readonly List<string> _paths = [];

    public string Write(string content, string extension = ".csv") => WriteBytes(System.Text.Encoding.UTF8.GetBytes(content), extension);

    public string WriteBytes(byte[] content, string extension = ".csv")
    {
        var path = Path.Combine(Path.GetTempPath(), $"osr-admin-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, content);
        _paths.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var path in _paths) File.Delete(path);
    }
}
