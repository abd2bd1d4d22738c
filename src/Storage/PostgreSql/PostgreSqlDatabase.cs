using System.Threading.Channels;
using Npgsql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>
/// The PostgreSQL database of the cluster mode, shared by the stores on it: one
/// <see cref="NpgsqlDataSource"/> (pooled connections, automatic preparation of repeated
/// statements) and one group-commit writer. Writes queued while a batch is in flight go out
/// together as one <see cref="NpgsqlBatch"/>: one round trip and one commit for all of them,
/// in one implicit transaction (all or none); the callers' tasks complete when it is committed.
/// A batch that fails on a transient error (server restarting, connection lost) is retried with
/// backoff for up to <see cref="RetryFor"/>; a batch that fails otherwise is retried request by
/// request, so that one bad request cannot fail the others. Every write the stores queue is
/// idempotent or an append, so a retry after a lost acknowledgement stores nothing twice that
/// has a key.
/// </summary>
public sealed class PostgreSqlDatabase : IAsyncDisposable
{
    /// <summary>Most writes in one batch.</summary>
    public const int MaxBatch = 512;

    /// <summary>How long a batch is retried on transient errors before its writes fail.</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(30);

    private readonly Channel<PgWrite> _writes = Channel.CreateBounded<PgWrite>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _writer;
    private readonly bool _ownsDataSource;
    private int _disposed;

    public PostgreSqlDatabase(NpgsqlDataSource dataSource, bool ownsDataSource = false)
    {
        DataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _ownsDataSource = ownsDataSource;
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Name = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
        _writer = Task.Run(WriteLoopAsync);
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Server and database, for logs (no credentials).</summary>
    public string Name { get; }

    /// <summary>A database on <paramref name="connectionString"/> with statement auto-preparation on unless the string sets it.</summary>
    public static PostgreSqlDatabase Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0) builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        return new PostgreSqlDatabase(builder.Build(), ownsDataSource: true);
    }

    /// <summary>
    /// Adds <paramref name="add"/>'s commands to the next group-commit batch; completes when that
    /// batch is committed, with the rows each of these commands affected.
    /// </summary>
    public async Task<int[]> WriteAsync(Action<IList<NpgsqlBatchCommand>> add, CancellationToken cancellationToken = default)
    {
        var request = new PgWrite(add);
        await _writes.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        return await request.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="commands"/> as one batch (one implicit transaction) on a connection of its own, outside the
    /// group commit — for large deletes that must not hold up the writes queued behind them; returns the rows each changed.
    /// </summary>
    public async Task<long[]> ExecuteOwnAsync(NpgsqlBatchCommand[] commands, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var command in commands) batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        var changed = new long[commands.Length];
        for (var i = 0; i < changed.Length; i++) changed[i] = batch.BatchCommands[i].RecordsAffected;
        return changed;
    }

    /// <summary>
    /// Adds <paramref name="rows"/> to the next group-commit batch, where the rows of every write
    /// of the same <paramref name="insert"/> queued with it become one statement (one multi-row
    /// insert instead of one per caller); completes when that batch is committed.
    /// </summary>
    public async Task WriteRowsAsync<TRow>(MergedInsert<TRow> insert, IReadOnlyList<TRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(insert);
        ArgumentNullException.ThrowIfNull(rows);
        var request = new PgWrite(insert, rows);
        await _writes.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await request.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_ownsDataSource) await DataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var pending = new List<PgWrite>();
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            pending.Clear();
            while (pending.Count < MaxBatch && _writes.Reader.TryRead(out var request)) pending.Add(request);
            try
            {
                await ExecuteWithRetryAsync(pending).ConfigureAwait(false);
                foreach (var request in pending) request.Complete();
            }
            catch (Exception batchError) when (pending.Count > 1 && !IsTransient(batchError))
            {
                foreach (var request in pending)
                {
                    try
                    {
                        await ExecuteWithRetryAsync([request]).ConfigureAwait(false);
                        request.Complete();
                    }
                    catch (Exception ex)
                    {
                        request.Done.TrySetException(new AggregateException("PostgreSQL write failed", ex, batchError));
                    }
                }
            }
            catch (Exception ex)
            {
                foreach (var request in pending) request.Done.TrySetException(ex);
            }
        }
    }

    private async Task ExecuteWithRetryAsync(List<PgWrite> requests)
    {
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await ExecuteAsync(requests).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow - started + delay < RetryFor)
            {
                // Real time on purpose: this waits for a server, not for the app's clock.
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task ExecuteAsync(List<PgWrite> requests)
    {
        await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        Dictionary<MergedInsert, List<PgWrite>>? merged = null;
        foreach (var request in requests)
        {
            // Commands are built anew for each attempt: a command object belongs to one batch.
            request.First = batch.BatchCommands.Count;
            if (request.Merge is { } insert)
            {
                merged ??= [];
                if (!merged.TryGetValue(insert, out var group)) merged[insert] = group = [];
                group.Add(request);
                request.Count = 0;
                continue;
            }
            request.Add!(batch.BatchCommands);
            request.Count = batch.BatchCommands.Count - request.First;
        }
        if (merged is not null)
            foreach (var (insert, group) in merged) batch.BatchCommands.Add(insert.Build(group.Select(r => r.Rows!)));
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        foreach (var request in requests)
        {
            var affected = new int[request.Count];
            for (var i = 0; i < affected.Length; i++) affected[i] = batch.BatchCommands[request.First + i].RecordsAffected;
            request.Affected = affected;
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        // The server shutting down or starting (admin/crash shutdown, cannot connect now), a lost
        // connection (class 08), too many connections: the same write can succeed a moment later.
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } => true,
        PostgresException { SqlState: var state } when state.StartsWith("08", StringComparison.Ordinal) => true,
        NpgsqlException { IsTransient: true } => true,
        TimeoutException => true,
        System.Net.Sockets.SocketException => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    private sealed class PgWrite
    {
        public PgWrite(Action<IList<NpgsqlBatchCommand>> add) => Add = add;

        public PgWrite(MergedInsert merge, object rows)
        {
            Merge = merge;
            Rows = rows;
        }

        public Action<IList<NpgsqlBatchCommand>>? Add { get; }

        public MergedInsert? Merge { get; }

        public object? Rows { get; }

        public int First { get; set; }

        public int Count { get; set; }

        public int[] Affected { get; set; } = [];

        public TaskCompletionSource<int[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete() => Done.TrySetResult(Affected);
    }
}

/// <summary>An insert whose rows from several writers are merged into one statement by the group-commit writer.</summary>
public abstract class MergedInsert
{
    /// <summary>One command inserting every row of <paramref name="rowLists"/> (each an <c>IReadOnlyList</c> of rows).</summary>
    internal abstract NpgsqlBatchCommand Build(IEnumerable<object> rowLists);
}

/// <summary>
/// A merged insert of rows of type <typeparamref name="TRow"/>: <paramref name="build"/> makes one
/// statement for all of them (typically <c>INSERT … SELECT * FROM unnest($1::text[], …)</c>).
/// </summary>
public sealed class MergedInsert<TRow>(Func<IReadOnlyList<TRow>, NpgsqlBatchCommand> build) : MergedInsert
{
    internal override NpgsqlBatchCommand Build(IEnumerable<object> rowLists)
    {
        var rows = new List<TRow>();
        foreach (var list in rowLists) rows.AddRange((IReadOnlyList<TRow>)list);
        return build(rows);
    }
}
