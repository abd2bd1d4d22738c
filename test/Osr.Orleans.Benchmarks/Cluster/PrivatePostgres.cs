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

    /// <summary>
    /// The server's WAL position and, per table, rows inserted and updated so far (<c>pg_stat_user_tables</c>, which backends
    /// flush about once a second); null when the server does not answer.
    /// </summary>
    public async Task<PostgresSample?> SampleAsync()
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(ConnectionString(1) + ";Pooling=false");
            await connection.OpenAsync().ConfigureAwait(false);
            await using var wal = new Npgsql.NpgsqlCommand("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint", connection);
            var walBytes = (long)(await wal.ExecuteScalarAsync().ConfigureAwait(false))!;
            await using var tables = new Npgsql.NpgsqlCommand("SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables", connection);
            var rows = new Dictionary<string, (long Inserted, long Updated)>(StringComparer.Ordinal);
            await using (var reader = await tables.ExecuteReaderAsync().ConfigureAwait(false))
                while (await reader.ReadAsync().ConfigureAwait(false)) rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            return new PostgresSample(walBytes, rows);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or InvalidCastException)
        {
            return null;
        }
    }

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

/// <summary>WAL position (bytes) and rows inserted / updated per table at one moment.</summary>
internal sealed record PostgresSample(long WalBytes, IReadOnlyDictionary<string, (long Inserted, long Updated)> Tables)
{
    /// <summary>Per second between <paramref name="from"/> and <paramref name="to"/>: WAL bytes and, per table with any, rows inserted and updated.</summary>
    public static PostgresRates? Rates(PostgresSample? from, PostgresSample? to, double seconds)
    {
        if (from is null || to is null || seconds <= 0) return null;
        var tables = new SortedDictionary<string, (double Inserted, double Updated)>(StringComparer.Ordinal);
        foreach (var (name, end) in to.Tables)
        {
            var start = from.Tables.GetValueOrDefault(name);
            var rates = ((end.Inserted - start.Inserted) / seconds, (end.Updated - start.Updated) / seconds);
            if (rates.Item1 > 0 || rates.Item2 > 0) tables[name] = rates;
        }

        return new PostgresRates((to.WalBytes - from.WalBytes) / seconds, tables);
    }
}

/// <summary>What PostgreSQL wrote per second over a window.</summary>
internal sealed record PostgresRates(double WalBytesPerSecond, IReadOnlyDictionary<string, (double Inserted, double Updated)> Tables);
