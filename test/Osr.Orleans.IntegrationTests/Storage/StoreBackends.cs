using Microsoft.Data.Sqlite;
using Npgsql;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Storage;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>Where a shared store suite runs: a place that survives reopening the stores, and how to open them there.</summary>
public interface IStoreBackend : IAsyncDisposable
{
    /// <summary>Prepares a fresh, empty place (a temp directory; a new PostgreSQL database).</summary>
    Task InitializeAsync(string prefix);

    /// <summary>Opens the stores on this place (the same one each call); the caller disposes them.</summary>
    OsrStores Open();

    /// <summary>For PostgreSQL, the connection string of the database; null for SQLite.</summary>
    string? ConnectionString { get; }

    /// <summary>For SQLite, the data directory; null for PostgreSQL.</summary>
    string? DataPath { get; }
}

/// <summary>The embedded stores: SQLite files in a temporary directory (deleted afterwards).</summary>
public sealed class SqliteBackend : IStoreBackend
{
    private string _directory = "";

    public string? ConnectionString => null;

    public string? DataPath => Path.Combine(_directory, "data");

    public Task InitializeAsync(string prefix)
    {
        _directory = TempDirectory.Create("osr-" + prefix);
        return Task.CompletedTask;
    }

    public OsrStores Open() => OsrStores.OpenSqlite(DataPath!, Path.Combine(_directory, "models"));

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The cluster stores: a fresh database on the tests' real PostgreSQL server.</summary>
public sealed class PostgreSqlBackend : IStoreBackend
{
    public string? ConnectionString { get; private set; }

    public string? DataPath => null;

    public async Task InitializeAsync(string prefix)
    {
        var server = await PostgresServer.Shared;
        ConnectionString = await server.CreateDatabaseAsync("osr_" + prefix);
    }

    public OsrStores Open() => OsrStores.OpenPostgreSql(ConnectionString!);

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Base of the shared store suites: each test gets fresh stores on <typeparamref name="TBackend"/>,
/// migrated to the current schema; <see cref="ReopenAsync"/> closes and opens them on the same place.
/// </summary>
public abstract class StoreSuite<TBackend> : IAsyncLifetime where TBackend : IStoreBackend, new()
{
    protected TBackend Backend { get; } = new();

    protected OsrStores Stores { get; private set; } = null!;

    protected abstract string Prefix { get; }

    public async Task InitializeAsync()
    {
        await Backend.InitializeAsync(Prefix);
        Stores = Backend.Open();
        await Stores.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Stores.DisposeAsync();
        await Backend.DisposeAsync();
    }

    protected async Task ReopenAsync()
    {
        await Stores.DisposeAsync();
        Stores = Backend.Open();
        await Stores.MigrateAsync();
    }
}
