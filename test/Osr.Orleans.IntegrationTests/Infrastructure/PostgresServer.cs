using System.Diagnostics;
using Npgsql;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server on loopback, started by <c>scripts/postgres.sh</c> (which installs
/// Debian's package when it is missing) in a private data directory. <see cref="Shared"/> is one
/// instance per test process, or the one <c>scripts/test.sh</c> started and named in
/// <c>OSR_TEST_POSTGRES</c>; tests that stop or crash the server start their own with
/// <see cref="StartAsync"/>. Each test class takes a fresh database from
/// <see cref="CreateDatabaseAsync"/>, so tests never see each other's rows.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresServer>> SharedInstance = new(StartSharedAsync);
    private static int _databases;

    private readonly bool _owned;

    private PostgresServer(string? dataDirectory, int port, bool owned)
    {
        DataDirectory = dataDirectory;
        Port = port;
        _owned = owned;
    }

    /// <summary>The data directory (null when the server was started outside this process).</summary>
    public string? DataDirectory { get; }

    public int Port { get; }

    /// <summary>Connection string to the maintenance database <c>postgres</c>.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public static Task<PostgresServer> Shared => SharedInstance.Value;

    /// <summary>Starts a new private instance (initdb on first use of the directory).</summary>
    public static async Task<PostgresServer> StartAsync(string? dataDirectory = null, int? port = null)
    {
        var dir = dataDirectory ?? TempDirectory.Create("osr-pg");
        var server = new PostgresServer(dir, port ?? FreePort.Next(), owned: true);
        await server.RunScriptAsync("start", dir, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return server;
    }

    /// <summary>A new empty database on this server; returns its Npgsql connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    /// <summary>Fast shutdown; the data directory stays, so <see cref="RestartAsync"/> finds every committed row.</summary>
    public Task StopAsync() => RunScriptAsync("stop", RequireOwned());

    /// <summary>Kills the postmaster with SIGKILL (a crash: committed rows survive through the WAL).</summary>
    public Task KillAsync() => RunScriptAsync("kill", RequireOwned());

    public Task RestartAsync() =>
        RunScriptAsync("start", RequireOwned(), Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        if (!_owned || DataDirectory is null) return;
        await RunScriptAsync("stop", DataDirectory);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string RequireOwned() =>
        _owned && DataDirectory is not null ? DataDirectory : throw new InvalidOperationException("this server was not started by this process");

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var external = Environment.GetEnvironmentVariable("OSR_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external))
        {
            var builder = new NpgsqlConnectionStringBuilder(external);
            return new PostgresServer(null, builder.Port, owned: false);
        }
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private async Task RunScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(RepoPaths.Script("postgres.sh"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["PG_FAST"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/postgres.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}
