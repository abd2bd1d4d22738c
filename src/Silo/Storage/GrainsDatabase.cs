using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Silo.Options;

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
/// creates or upgrades the schema (<see cref="GrainsSchema"/>).
/// </summary>
internal sealed class GrainsDatabase(DataOptions data) : IHostedService
{
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
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        GrainsSchema.ApplySqlite(ConnectionString, GrainsSchema.SqliteGrains);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}
