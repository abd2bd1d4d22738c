using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Silo.Options;
using Polly.Timeout;

namespace Osr.Orleans.Silo.Push;

/// <summary>State of an outbox entry.</summary>
public enum OutboxState
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
    Expired = 3,
}

/// <summary>One notification × one webhook, as the outbox holds it.</summary>
public sealed record OutboxEntry(
    string NotificationId,
    string Url,
    OutboxState State,
    int Attempts,
    DateTimeOffset DeliverBy,
    DateTimeOffset NextAttempt,
    int? LastStatus,
    string? LastError);

/// <summary>What one enqueue stored: webhook entries newly queued, and whether MQTT was not handed this id before.</summary>
internal readonly record struct EnqueueResult(int WebhooksQueued, bool MqttFirst);

/// <summary>
/// The durable webhook outbox (docs/contract.md "Notification", docs/architecture.md "Reliability rules"):
/// an embedded SQLite file <c>outbox.db</c> in <c>Osr:Data:Path</c> with one row per
/// (notification id, webhook URL), inserted with <c>INSERT OR IGNORE</c> so that a notification
/// is queued once per webhook whatever the caller repeats, and a background loop that POSTs due
/// entries (same JSON body, <c>Idempotency-Key: {notificationId}</c>).
/// <list type="bullet">
/// <item>2xx → delivered. 408, 429, 5xx, timeouts and connection errors → rescheduled after
/// min(MaxBackoff, InitialBackoff·2ⁿ⁻¹)·(½ + ½U), U ~ uniform[0, 1), n = attempts so far (a
/// Retry-After up to MaxBackoff is honoured), until MaxAttempts → failed. Any other status → failed at once.</item>
/// <item>An entry whose deliver-by time (the earlier of the caller's and now + Ttl) has passed
/// is never POSTed again and is marked expired.</item>
/// <item>Pending entries survive a restart: a new instance on the same file resumes them.</item>
/// </list>
/// Scheduling reads <see cref="OsrClock.Provider"/>: the loop wakes when an entry is queued and
/// otherwise on a timer of that clock. SQLite is never touched on the caller's thread: inserts go
/// through a channel to one writer task (group commit); the delivery loop has its own connection
/// on the thread pool.
/// </summary>
public sealed class WebhookOutbox : BackgroundService, IAsyncDisposable
{
    /// <summary>Name of the <see cref="HttpClient"/> (with its resilience handler) used for the POSTs.</summary>
    public const string HttpClientName = "osr-webhooks";

    public const string DatabaseFileName = "outbox.db";

    private const int BatchSize = 64;
    private const int Parallelism = 8;
    private static readonly TimeSpan IdleWake = TimeSpan.FromHours(1);
    private static readonly TimeSpan ErrorPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly PushOptions _options;
    private readonly IHttpClientFactory _http;
    private readonly OsrClock _clock;
    private readonly DecisionCounters _counters;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly string _connectionString;
    private readonly Channel<EnqueueRequest> _writes = Channel.CreateBounded<EnqueueRequest>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _writer;
    private int _disposed;

    public WebhookOutbox(
        IOptions<PushOptions> options,
        IOptions<DataOptions> data,
        IHttpClientFactory http,
        OsrClock clock,
        DecisionCounters counters,
        ILogger<WebhookOutbox> logger)
    {
        _options = options.Value;
        _http = http;
        _clock = clock;
        _counters = counters;
        _logger = logger;
        _directory = Path.GetFullPath(data.Value.Path);
        DatabasePath = Path.Combine(_directory, DatabaseFileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // A handful of long-lived connections; no pool, so that disposing closes the file.
            Pooling = false,
        }.ToString();
        // Off the constructing thread (possibly a grain's): the writer creates the schema first.
        _writer = Task.Run(WriteLoopAsync);
    }

    public string DatabasePath { get; }

    /// <summary>Queues <paramref name="notification"/> for every configured webhook; returns how many entries were new.</summary>
    public async Task<int> EnqueueAsync(Notification notification, DateTimeOffset deliverByUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var result = await EnqueueAsync(notification.NotificationId, NotificationJson.Serialize(notification), deliverByUtc,
            webhooks: true, mqtt: false, cancellationToken);
        return result.WebhooksQueued;
    }

    /// <summary>
    /// Stores, in one transaction, an entry per configured webhook (when <paramref name="webhooks"/>)
    /// and the fact that MQTT was handed this id (when <paramref name="mqtt"/>). Completes when durable.
    /// </summary>
    internal async Task<EnqueueResult> EnqueueAsync(string notificationId, byte[] body, DateTimeOffset deliverByUtc,
        bool webhooks, bool mqtt, CancellationToken cancellationToken)
    {
        var urls = webhooks ? _options.Webhooks ?? [] : [];
        if (urls.Length == 0 && !mqtt) return default;
        await _ready.Task.WaitAsync(cancellationToken);
        var now = _clock.UtcNow;
        var ttlBound = now + _options.Ttl;
        var deliverBy = deliverByUtc < ttlBound ? deliverByUtc : ttlBound;
        var request = new EnqueueRequest(notificationId, body, deliverBy.UtcTicks, now.UtcTicks, urls, mqtt);
        await _writes.Writer.WriteAsync(request, cancellationToken);
        var result = await request.Done.Task.WaitAsync(cancellationToken);
        if (result.WebhooksQueued > 0) PushLog.Queued(_logger, notificationId, result.WebhooksQueued);
        return result;
    }

    /// <summary>The entries of one notification (or all when null), oldest first.</summary>
    public Task<IReadOnlyList<OutboxEntry>> ReadEntriesAsync(string? notificationId = null, CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<OutboxEntry>>(async () =>
        {
            await _ready.Task.WaitAsync(cancellationToken);
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT notification_id, url, state, attempts, deliver_by, next_attempt, last_status, last_error
                FROM outbox WHERE $id IS NULL OR notification_id = $id ORDER BY created, notification_id, url
                """;
            command.Parameters.AddWithValue("$id", (object?)notificationId ?? DBNull.Value);
            using var reader = command.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(reader.GetString(0), reader.GetString(1), (OutboxState)reader.GetInt32(2), reader.GetInt32(3),
                    new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
            return entries;
        }, cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(() => DeliveryLoopAsync(stoppingToken), CancellationToken.None);

    public override void Dispose()
    {
        _writes.Writer.TryComplete();
        base.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopAsync(CancellationToken.None);
        _writes.Writer.TryComplete();
        await _writer;
        base.Dispose();
    }

    // ---- delivery loop -------------------------------------------------------------------

    private async Task DeliveryLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _ready.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using var connection = Open();
        PushLog.OutboxStarted(_logger, DatabasePath, CountPending(connection), _options.Webhooks?.Length ?? 0);
        var nextPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _wake.Reader.TryRead(out _);
                var now = _clock.UtcNow;
                ExpireDue(connection, now);
                if (now >= nextPrune)
                {
                    Prune(connection, now - Retention);
                    nextPrune = now + IdleWake;
                }

                var due = ReadDue(connection, now);
                if (due.Count > 0)
                {
                    await DeliverBatchAsync(connection, due, stoppingToken);
                    continue;
                }

                var next = NextWakeTicks(connection);
                var delay = next is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) - _clock.UtcNow : IdleWake;
                if (delay > IdleWake) delay = IdleWake;
                if (delay > TimeSpan.Zero) await WaitAsync(delay, _clock.Provider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                PushLog.LoopFailed(_logger, ex, ErrorPause);
                try
                {
                    // A failure here is the machine's (disk, a locked file), not the schedule's:
                    // the pause is real time, so a stopped or event-driven app clock cannot stall the loop.
                    await WaitAsync(ErrorPause, TimeProvider.System, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Waits until <paramref name="delay"/> passed on <paramref name="time"/> or an entry was queued.</summary>
    private async Task WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(delay, time, cts.Token);
        var wake = _wake.Reader.WaitToReadAsync(cts.Token).AsTask();
        await Task.WhenAny(timer, wake);
        await cts.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private async Task DeliverBatchAsync(SqliteConnection connection, List<DueEntry> due, CancellationToken stoppingToken)
    {
        var client = _http.CreateClient(HttpClientName);
        var outcomes = new ConcurrentQueue<Outcome>();
        try
        {
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
                async (entry, token) => outcomes.Enqueue(await AttemptAsync(client, entry, token)));
        }
        finally
        {
            // Whatever was attempted is recorded, also when stopping half-way through the batch.
            if (!outcomes.IsEmpty) Record(connection, outcomes);
        }
    }

    private async Task<Outcome> AttemptAsync(HttpClient client, DueEntry entry, CancellationToken cancellationToken)
    {
        var remaining = new DateTimeOffset(entry.DeliverByTicks, TimeSpan.Zero) - _clock.UtcNow;
        if (remaining <= TimeSpan.Zero) return new Outcome(entry, OutcomeKind.Expired, entry.Attempts, null, null, null);

        var attempt = entry.Attempts + 1;
        // The deadline (on the app clock) also stops the quick retries of an attempt under way:
        // no request is started after deliver-by.
        using var deadline = new CancellationTokenSource(remaining, _clock.Provider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, entry.Url) { Content = new ByteArrayContent(entry.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", entry.NotificationId);
        try
        {
            using var response = await client.SendAsync(request, linked.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and <= 299) return new Outcome(entry, OutcomeKind.Delivered, attempt, status, null, null);
            var error = $"HTTP {status}";
            return IsTransient(status)
                ? Transient(entry, attempt, status, error, RetryAfter(response))
                : new Outcome(entry, OutcomeKind.Failed, attempt, status, error, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            return new Outcome(entry, OutcomeKind.Expired, attempt, null, "deliver-by passed during the attempt", null);
        }
        catch (Exception ex)
        {
            // Connection refused/reset, DNS, TLS, attempt timeouts (TimeoutRejectedException or a
            // cancelled attempt): all worth another try later.
            var error = ex switch
            {
                TimeoutRejectedException => "timeout",
                OperationCanceledException => "timeout",
                HttpRequestException { HttpRequestError: var e } when e != HttpRequestError.Unknown => $"{e}: {ex.Message}",
                _ => $"{ex.GetType().Name}: {ex.Message}",
            };
            return Transient(entry, attempt, null, error, null);
        }
    }

    private Outcome Transient(DueEntry entry, int attempt, int? status, string error, TimeSpan? retryAfter)
    {
        if (attempt >= _options.MaxAttempts) return new Outcome(entry, OutcomeKind.Failed, attempt, status, error, null);
        var delay = Backoff(attempt);
        if (retryAfter is { } hint && hint > delay) delay = hint < _options.MaxBackoff ? hint : _options.MaxBackoff;
        return new Outcome(entry, OutcomeKind.Retry, attempt, status, error, delay);
    }

    /// <summary>min(MaxBackoff, InitialBackoff·2ⁿ⁻¹)·(½ + ½U) for the n-th failed attempt.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var initial = _options.InitialBackoff.Ticks;
        var cap = _options.MaxBackoff.Ticks;
        var exponent = Math.Min(attempt - 1, 40);
        var raw = initial * Math.Pow(2, exponent);
        var capped = raw >= cap ? cap : (long)raw;
        return TimeSpan.FromTicks((long)(capped * (0.5 + 0.5 * Random.Shared.NextDouble())));
    }

    private static bool IsTransient(int status) => status is 408 or 429 or >= 500 and <= 599;

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header) return null;
        if (header.Delta is { } delta) return delta;
        if (header.Date is { } date) return date - _clock.UtcNow;
        return null;
    }

    private void Record(SqliteConnection connection, IEnumerable<Outcome> outcomes)
    {
        var now = _clock.UtcNow;
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE outbox SET state = $state, attempts = $attempts, next_attempt = $next, finished = $finished,
                last_status = $status, last_error = $error
            WHERE notification_id = $id AND url = $url AND state = 0
            """;
        var state = command.Parameters.Add("$state", SqliteType.Integer);
        var attempts = command.Parameters.Add("$attempts", SqliteType.Integer);
        var next = command.Parameters.Add("$next", SqliteType.Integer);
        var finished = command.Parameters.Add("$finished", SqliteType.Integer);
        var status = command.Parameters.Add("$status", SqliteType.Integer);
        var error = command.Parameters.Add("$error", SqliteType.Text);
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var url = command.Parameters.Add("$url", SqliteType.Text);
        command.Prepare();
        var logged = new List<Action>();
        foreach (var o in outcomes)
        {
            var e = o.Entry;
            id.Value = e.NotificationId;
            url.Value = e.Url;
            attempts.Value = o.Attempts;
            status.Value = (object?)o.Status ?? DBNull.Value;
            error.Value = (object?)o.Error ?? DBNull.Value;
            next.Value = o.RetryIn is { } delay ? (now + delay).UtcTicks : e.NextAttemptTicks;
            finished.Value = o.Kind == OutcomeKind.Retry ? DBNull.Value : now.UtcTicks;
            state.Value = (int)(o.Kind switch
            {
                OutcomeKind.Delivered => OutboxState.Delivered,
                OutcomeKind.Failed => OutboxState.Failed,
                OutcomeKind.Expired => OutboxState.Expired,
                _ => OutboxState.Pending,
            });
            command.ExecuteNonQuery();
            logged.Add(() => Report(o));
        }
        transaction.Commit();
        foreach (var report in logged) report();
    }

    private void Report(Outcome o)
    {
        var e = o.Entry;
        switch (o.Kind)
        {
            case OutcomeKind.Delivered:
                _counters.Add(PushCounterNames.WebhookDelivered);
                PushLog.Delivered(_logger, e.NotificationId, e.Url, o.Status ?? 0, o.Attempts);
                break;
            case OutcomeKind.Retry:
                _counters.Add(PushCounterNames.WebhookRetried);
                PushLog.Retrying(_logger, e.NotificationId, e.Url, o.Attempts, o.Error ?? "", o.RetryIn ?? TimeSpan.Zero);
                break;
            case OutcomeKind.Failed:
                _counters.Add(PushCounterNames.WebhookFailed);
                PushLog.Failed(_logger, e.NotificationId, e.Url, o.Attempts, o.Error ?? "");
                break;
            case OutcomeKind.Expired:
                _counters.Add(PushCounterNames.WebhookExpired);
                PushLog.Expired(_logger, e.NotificationId, e.Url, new DateTimeOffset(e.DeliverByTicks, TimeSpan.Zero), o.Attempts);
                break;
        }
    }

    private void ExpireDue(SqliteConnection connection, DateTimeOffset now)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE outbox SET state = 3, finished = $now
            WHERE state = 0 AND deliver_by <= $now
            RETURNING notification_id, url, deliver_by, attempts
            """;
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        // The UPDATE commits when its reader is done: count and log only then, so that whoever sees
        // the counter also sees the entries expired.
        List<(string Id, string Url, long DeliverBy, int Attempts)>? expired = null;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) (expired ??= []).Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3)));
        }
        if (expired is null) return;
        foreach (var (id, url, deliverBy, attempts) in expired)
        {
            _counters.Add(PushCounterNames.WebhookExpired);
            PushLog.Expired(_logger, id, url, new DateTimeOffset(deliverBy, TimeSpan.Zero), attempts);
        }
    }

    private List<DueEntry> ReadDue(SqliteConnection connection, DateTimeOffset now)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT notification_id, url, body, deliver_by, next_attempt, attempts FROM outbox
            WHERE state = 0 AND next_attempt <= $now ORDER BY next_attempt LIMIT $n
            """;
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        command.Parameters.AddWithValue("$n", BatchSize);
        using var reader = command.ExecuteReader();
        var due = new List<DueEntry>();
        while (reader.Read())
        {
            due.Add(new DueEntry(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt32(5)));
        }
        return due;
    }

    private static long? NextWakeTicks(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(CASE WHEN next_attempt < deliver_by THEN next_attempt ELSE deliver_by END) FROM outbox WHERE state = 0";
        return command.ExecuteScalar() is long ticks ? ticks : null;
    }

    private static long CountPending(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM outbox WHERE state = 0";
        return (long)command.ExecuteScalar()!;
    }

    private void Prune(SqliteConnection connection, DateTimeOffset cutoff)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM outbox WHERE state <> 0 AND finished < $cutoff";
        command.Parameters.AddWithValue("$cutoff", cutoff.UtcTicks);
        var removed = command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM published WHERE at < $cutoff";
        command.ExecuteNonQuery();
        if (removed > 0) PushLog.Pruned(_logger, removed, cutoff);
    }

    // ---- writer --------------------------------------------------------------------------

    private async Task WriteLoopAsync()
    {
        SqliteConnection connection;
        try
        {
            Directory.CreateDirectory(_directory);
            connection = Open();
            CreateSchema(connection);
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            PushLog.WriteFailed(_logger, ex);
            _ready.TrySetException(ex);
            _writes.Writer.TryComplete(ex);
            return;
        }

        using (connection)
        {
            var pending = new List<EnqueueRequest>();
            var results = new List<EnqueueResult>();
            while (await _writes.Reader.WaitToReadAsync())
            {
                pending.Clear();
                results.Clear();
                while (pending.Count < 256 && _writes.Reader.TryRead(out var request)) pending.Add(request);
                try
                {
                    using (var transaction = connection.BeginTransaction())
                    {
                        foreach (var request in pending) results.Add(Write(connection, transaction, request));
                        transaction.Commit();
                    }
                    for (var i = 0; i < pending.Count; i++) Complete(pending[i], results[i]);
                }
                catch (Exception batchError)
                {
                    // The batch rolled back as a whole; retry each alone so one bad request
                    // cannot fail the others queued with it.
                    foreach (var request in pending) RetryAlone(connection, request, batchError);
                }
            }
        }
    }

    private void RetryAlone(SqliteConnection connection, EnqueueRequest request, Exception batchError)
    {
        try
        {
            EnqueueResult result;
            using (var transaction = connection.BeginTransaction())
            {
                result = Write(connection, transaction, request);
                transaction.Commit();
            }
            Complete(request, result);
        }
        catch (Exception ex)
        {
            PushLog.WriteFailed(_logger, ex);
            request.Done.TrySetException(new AggregateException("outbox write failed", ex, batchError));
        }
    }

    private void Complete(EnqueueRequest request, EnqueueResult result)
    {
        if (result.WebhooksQueued > 0)
        {
            _counters.Add(PushCounterNames.WebhookQueued, result.WebhooksQueued);
            _wake.Writer.TryWrite(true);
        }
        request.Done.TrySetResult(result);
    }

    private static EnqueueResult Write(SqliteConnection connection, SqliteTransaction transaction, EnqueueRequest request)
    {
        var queued = 0;
        if (request.Urls.Length > 0)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT OR IGNORE INTO outbox (notification_id, url, body, deliver_by, next_attempt, attempts, state, created)
                VALUES ($id, $url, $body, $by, $now, 0, 0, $now)
                """;
            command.Parameters.AddWithValue("$id", request.NotificationId);
            var url = command.Parameters.Add("$url", SqliteType.Text);
            command.Parameters.AddWithValue("$body", request.Body);
            command.Parameters.AddWithValue("$by", request.DeliverByTicks);
            command.Parameters.AddWithValue("$now", request.NowTicks);
            foreach (var u in request.Urls)
            {
                url.Value = u;
                queued += command.ExecuteNonQuery();
            }
        }

        var mqttFirst = false;
        if (request.Mqtt)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO published (notification_id, at) VALUES ($id, $now)";
            command.Parameters.AddWithValue("$id", request.NotificationId);
            command.Parameters.AddWithValue("$now", request.NowTicks);
            mqttFirst = command.ExecuteNonQuery() == 1;
        }
        return new EnqueueResult(queued, mqttFirst);
    }

    private static void CreateSchema(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS outbox (
                notification_id TEXT    NOT NULL,
                url             TEXT    NOT NULL,
                body            BLOB    NOT NULL,
                deliver_by      INTEGER NOT NULL,
                next_attempt    INTEGER NOT NULL,
                attempts        INTEGER NOT NULL,
                state           INTEGER NOT NULL,
                created         INTEGER NOT NULL,
                finished        INTEGER NULL,
                last_status     INTEGER NULL,
                last_error      TEXT    NULL,
                PRIMARY KEY (notification_id, url)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_outbox_due ON outbox (state, next_attempt);
            CREATE TABLE IF NOT EXISTS published (
                notification_id TEXT    PRIMARY KEY NOT NULL,
                at              INTEGER NOT NULL) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private sealed record EnqueueRequest(string NotificationId, byte[] Body, long DeliverByTicks, long NowTicks, string[] Urls, bool Mqtt)
    {
        public TaskCompletionSource<EnqueueResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record DueEntry(string NotificationId, string Url, byte[] Body, long DeliverByTicks, long NextAttemptTicks, int Attempts);

    private enum OutcomeKind { Delivered, Retry, Failed, Expired }

    private sealed record Outcome(DueEntry Entry, OutcomeKind Kind, int Attempts, int? Status, string? Error, TimeSpan? RetryIn);
}
