using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Osr.Orleans.Benchmarks.Ingest;

namespace Osr.Orleans.Benchmarks.Cluster;

/// <summary>
/// A fresh PostgreSQL server for one measurement: <c>scripts/postgres.sh start DIR PORT</c> (initdb into an empty directory,
/// loopback only, <c>fsync</c> on, <c>max_connections=300</c>), stopped with <c>scripts/postgres.sh stop DIR</c> and, if its
/// postmaster is still there after that, killed by the PID the script printed. <see cref="KillAll"/> ends every server still
/// running when the driver stops abnormally (by PID, never by name).
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, PrivatePostgres> Running = new();
    private readonly string _script;

    private PrivatePostgres(string script, string directory, int port, int pid)
    {
        _script = script;
        Directory = directory;
        Port = port;
        Pid = pid;
    }

    public string Directory { get; }
    public int Port { get; }

    /// <summary>The postmaster's PID.</summary>
    public int Pid { get; }

    /// <summary>The Npgsql connection string of the <c>postgres</c> database, each process's pool bounded to <paramref name="poolSize"/>.</summary>
    public string ConnectionString(int poolSize) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Maximum Pool Size={poolSize}");

    /// <summary>CPU time of the server so far: the postmaster, its live backends and the backends it has reaped.</summary>
    public TimeSpan CpuTime() =>
        ProcStats.Children(Pid).Aggregate(ProcStats.CpuTime(Pid, reapedChildren: true), (sum, child) => sum + ProcStats.CpuTime(child));

    public static async Task<PrivatePostgres> StartAsync(string repoRoot, string directory, int port, CancellationToken ct)
    {
        var script = Path.Combine(repoRoot, "scripts", "postgres.sh");
        var (code, stdout, stderr) = await RunAsync(script, ["start", directory, port.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(3), ct)
            .ConfigureAwait(false);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (code != 0 || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            throw new InvalidOperationException($"scripts/postgres.sh start {directory} {port} exited with {code}:\n{stderr}{stdout}");
        var server = new PrivatePostgres(script, directory, port, pid);
        Running[pid] = server;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(_script, ["stop", Directory], TimeSpan.FromSeconds(90), CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Killed below.
        }

        Kill();
        Running.TryRemove(Pid, out _);
    }

    /// <summary>SIGKILL to every server still running (the driver is stopping abnormally).</summary>
    public static void KillAll()
    {
        foreach (var server in Running.Values) server.Kill();
    }

    private void Kill()
    {
        try
        {
            using var process = Process.GetProcessById(Pid);
            if (!process.HasExited && process.ProcessName.StartsWith("postgres", StringComparison.Ordinal)) process.Kill();
        }
        catch (ArgumentException)
        {
            // Not running.
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string script, string[] args, TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start bash");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{script} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s (killed)");
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
