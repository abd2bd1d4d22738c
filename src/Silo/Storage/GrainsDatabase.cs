using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Storage.Migrations;

namespace Osr.Orleans.Silo.Storage;

/// <summary>The invariant names Orleans' ADO.NET providers know the two databases by.</summary>
internal static class AdoNetInvariants
{
    public const string PostgreSql = "Npgsql";

    /// <summary>Orleans 10.4.2 serves this name with Microsoft.Data.Sqlite (<c>Microsoft.Data.Sqlite.SqliteFactory</c>).</summary>
    public const string Sqlite = "System.Data.SQLite";
}

/// <summary>
/// The embedded grains database <c>{Osr:Data:Path}/grains.db</c> (Osr:Storage:Mode = Sqlite):
/// grain state and reminders through Orleans' ADO.NET providers. Started before the silo, it
/// creates or upgrades the schema (the migration set <c>Sqlite/grains</c>, applied by
/// <see cref="SchemaMigrator"/> like every other set) and puts the file in WAL mode.
/// </summary>
internal sealed class GrainsDatabase(DataOptions data) : IHostedService
{
    /// <summary>The migration set of the grains database (<c>Migrations/Sqlite/grains</c>).</summary>
    public const string GrainsSet = "grains";

    public string DatabasePath { get; } = Path.Combine(Path.GetFullPath(data.Path), OsrStorageOptions.GrainsFileName);

    public string ConnectionString => new SqliteConnectionStringBuilder
    {
        DataSource = DatabasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        // Seconds a statement waits for the write lock before failing (one writer at a time).
        DefaultTimeout = 30,
    }.ToString();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        SchemaMigrator.MigrateSqlite(DatabasePath, GrainsSet);
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode = WAL;"; // persistent: stays with the file
        wal.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}
