using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Storage.Migrations;
using Osr.Orleans.Storage.PostgreSql;
using Osr.Orleans.Storage.Sqlite;

namespace Osr.Orleans.Storage;

/// <summary>Where the stores keep their rows.</summary>
public enum StoreBackend { Sqlite, PostgreSql }

/// <summary>
/// The project's own stores, one per port, on one backend, and the databases under them (which
/// this object owns and closes):
/// <list type="bullet">
/// <item><see cref="StoreBackend.Sqlite"/> (embedded): <c>events.db</c> (events, decisions, rules, audit)
/// and <c>outbox.db</c> in the data directory; model files as directories under the models path.</item>
/// <item><see cref="StoreBackend.PostgreSql"/> (cluster): every store in one database (tables <c>osr_*</c>).</item>
/// </list>
/// </summary>
public sealed class OsrStores : IAsyncDisposable
{
    private readonly SqliteDatabase? _events;
    private readonly SqliteDatabase? _outbox;
    private readonly PostgreSqlDatabase? _postgres;
    private readonly string? _dataPath;

    private OsrStores(string dataPath, string modelsPath)
    {
        Backend = StoreBackend.Sqlite;
        _dataPath = dataPath;
        _events = SqliteDatabase.Open(dataPath, "events");
        _outbox = SqliteDatabase.Open(dataPath, "outbox");
        Events = new SqliteEventStore(_events);
        Decisions = new SqliteDecisionLog(_events);
        Rules = new SqliteRuleStore(_events);
        Audit = new SqliteAuditLog(_events);
        Outbox = new SqliteOutboxStore(_outbox);
        ModelFiles = new FileSystemModelFileStore(modelsPath);
    }

    private OsrStores(PostgreSqlDatabase database)
    {
        Backend = StoreBackend.PostgreSql;
        _postgres = database;
        Events = new PostgreSqlEventStore(database);
        Decisions = new PostgreSqlDecisionLog(database);
        Rules = new PostgreSqlRuleStore(database);
        Audit = new PostgreSqlAuditLog(database);
        Outbox = new PostgreSqlOutboxStore(database);
        ModelFiles = new PostgreSqlModelFileStore(database);
    }

    public StoreBackend Backend { get; }

    public IEventStore Events { get; }

    public IDecisionLog Decisions { get; }

    public IRuleStore Rules { get; }

    /// <summary>The audit trail of admin changes; on the same database as <see cref="Rules"/>, whose changes it records in their own transaction.</summary>
    public IAuditLog Audit { get; }

    public IOutboxStore Outbox { get; }

    public IModelFileStore ModelFiles { get; }

    /// <summary>The embedded stores: SQLite files in <paramref name="dataPath"/>, model files under <paramref name="modelsPath"/>.</summary>
    public static OsrStores OpenSqlite(string dataPath, string modelsPath) => new(dataPath, modelsPath);

    /// <summary>The cluster stores in the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static OsrStores OpenPostgreSql(string connectionString) => new(PostgreSqlDatabase.Create(connectionString));

    /// <summary>
    /// Brings the schemas to this build's version (<paramref name="apply"/>) or checks that they
    /// are there; refuses a newer schema either way (<see cref="SchemaVersionException"/>).
    /// </summary>
    public async Task<IReadOnlyList<MigrationResult>> MigrateAsync(bool apply = true, CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
            return [await SchemaMigrator.MigratePostgreSqlAsync(_postgres.DataSource, apply, cancellationToken).ConfigureAwait(false)];
        var results = await SchemaMigrator.MigrateEmbeddedAsync(_dataPath!, apply, cancellationToken).ConfigureAwait(false);
        // The databases migrate themselves on open too; this makes their failure (if any) the caller's now.
        await _events!.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _outbox!.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Whether the stores answer now (a readiness probe): PostgreSQL runs <c>SELECT 1</c>; the embedded files are
    /// open once their schema is ready. Throws what the database threw.
    /// </summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            await using var command = _postgres.DataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await _events!.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _outbox!.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_events is not null) await _events.DisposeAsync().ConfigureAwait(false);
        if (_outbox is not null) await _outbox.DisposeAsync().ConfigureAwait(false);
        if (_postgres is not null) await _postgres.DisposeAsync().ConfigureAwait(false);
    }
}
