using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Osr.Orleans.Storage.Migrations;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary>
/// One embedded SQLite file (WAL mode) of a migration set, e.g. <c>events.db</c>, shared by the
/// stores on it. Microsoft.Data.Sqlite is synchronous underneath, so no caller's thread ever
/// touches it: writes go through a channel to one writer task that commits whatever is queued in
/// a single transaction (group commit) and then completes the callers' tasks; reads run on the
/// thread pool with their own connection. The writer first brings the file to the newest schema
/// (<see cref="SchemaMigrator"/>); every operation waits for that.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private const int MaxBatch = 1000;

    private readonly string _connectionString;
    private readonly Channel<SqliteWrite> _writes = Channel.CreateBounded<SqliteWrite>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _writer;
    private int _disposed;

    private SqliteDatabase(string path, string set)
    {
        Path = System.IO.Path.GetFullPath(path);
        Set = set;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The migration set (<c>Migrations/Sqlite/{set}</c>).</summary>
    public string Set { get; }

    /// <summary>Completes when the schema is current (faults when it cannot be, e.g. a newer schema).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Opens (creating when missing) <c>{set}.db</c> in <paramref name="dataPath"/>; returns at once, migration runs in the background.</summary>
    public static SqliteDatabase Open(string dataPath, string set) => new(SchemaMigrator.SqliteFile(dataPath, set), set);

    /// <summary>Runs <paramref name="work"/> in the next group-commit transaction; completes when that transaction is committed.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken = default)
    {
        var request = new SqliteWrite<T>(work);
        await _writes.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        return await request.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="statements"/> in order, with the same <paramref name="parameters"/>, in the next group-commit
    /// transaction; returns the rows each changed.
    /// </summary>
    public Task<long[]> ExecuteAsync(string[] statements, (string Name, object Value)[] parameters, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            var changed = new long[statements.Length];
            for (var i = 0; i < statements.Length; i++)
            {
                command.CommandText = statements[i];
                changed[i] = command.ExecuteNonQuery();
            }
            return changed;
        }, cancellationToken);

    /// <summary>Runs <paramref name="read"/> on the thread pool with a connection of its own.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken = default) =>
        Task.Run(async () =>
        {
            await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            using var connection = OpenConnection();
            return read(connection);
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _writes.Writer.TryComplete();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        finally
        {
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    internal SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private async Task WriteLoopAsync()
    {
        SqliteConnection connection;
        try
        {
            SchemaMigrator.MigrateSqlite(Path, Set);
            connection = OpenConnection();
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                wal.ExecuteNonQuery();
            }
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
            _writes.Writer.TryComplete(ex);
            while (_writes.Reader.TryRead(out var request)) request.Fail(ex);
            return;
        }

        using (connection)
        {
            var pending = new List<SqliteWrite>();
            while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                pending.Clear();
                while (pending.Count < MaxBatch && _writes.Reader.TryRead(out var request)) pending.Add(request);
                try
                {
                    using (var transaction = connection.BeginTransaction())
                    {
                        foreach (var request in pending) request.Execute(connection, transaction);
                        transaction.Commit();
                    }
                    foreach (var request in pending) request.Complete();
                }
                catch (Exception batchError)
                {
                    // The batch rolled back as a whole; retry each request alone so that one bad
                    // request cannot fail the others queued with it.
                    foreach (var request in pending) RetryAlone(connection, request, batchError);
                }
            }
        }
    }

    private static void RetryAlone(SqliteConnection connection, SqliteWrite request, Exception batchError)
    {
        try
        {
            using (var transaction = connection.BeginTransaction())
            {
                request.Execute(connection, transaction);
                transaction.Commit();
            }
            request.Complete();
        }
        catch (Exception ex)
        {
            request.Fail(new AggregateException("SQLite write failed", ex, batchError));
        }
    }

    private abstract class SqliteWrite
    {
        public abstract void Execute(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception error);
    }

    private sealed class SqliteWrite<T>(Func<SqliteConnection, SqliteTransaction, T> work) : SqliteWrite
    {
        private T _result = default!;

        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public override void Complete() => Done.TrySetResult(_result);

        public override void Fail(Exception error) => Done.TrySetException(error);
    }
}
