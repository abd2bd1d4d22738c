using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Storage;
using Polly.Timeout;

namespace Osr.Orleans.Silo.Push;

/// <summary>
/// The durable webhook outbox (docs/contract.md "Notification", docs/architecture.md "Reliability rules"):
/// the rows live in an <see cref="IOutboxStore"/> (embedded: <c>outbox.db</c> in <c>Osr:Data:Path</c>;
/// cluster: PostgreSQL, shared by every silo), one row per (notification id, webhook URL), inserted
/// idempotently so that a notification is queued once per webhook whatever the caller repeats; this
/// class is the delivery loop that POSTs due entries (same JSON body, <c>Idempotency-Key: {notificationId}</c>).
/// <list type="bullet">
/// <item>2xx → delivered. 408, 429, 5xx, timeouts and connection errors → rescheduled after
/// min(MaxBackoff, InitialBackoff·2ⁿ⁻¹)·(½ + ½U), U ~ uniform[0, 1), n = attempts so far (a
/// Retry-After up to MaxBackoff is honoured), until MaxAttempts → failed. Any other status → failed at once.</item>
/// <item>An entry whose deliver-by time (the earlier of the caller's and now + Ttl) has passed
/// is never POSTed again and is marked expired.</item>
/// <item>Pending entries survive a restart: a new instance on the same store resumes them. A loop
/// claims the entries it attempts for a lease (<see cref="Lease"/>), so the loops of several silos
/// on one store do not POST the same entry together; a loop that dies leaves its claims to the others
/// when the lease ends.</item>
/// </list>
/// Scheduling reads <see cref="OsrClock.Provider"/>: the loop wakes when an entry is queued and
/// otherwise on a timer of that clock. The store never blocks the caller's thread.
/// </summary>
public sealed class WebhookOutbox : BackgroundService, IAsyncDisposable
{
    /// <summary>Name of the <see cref="HttpClient"/> (with its resilience handler) used for the POSTs.</summary>
    public const string HttpClientName = "osr-webhooks";

    /// <summary>The embedded outbox's file in <c>Osr:Data:Path</c> (SQLite migration set <c>outbox</c>).</summary>
    public const string DatabaseFileName = "outbox.db";

    private const int BatchSize = 64;
    private const int Parallelism = 8;
    private static readonly TimeSpan IdleWake = TimeSpan.FromHours(1);
    private static readonly TimeSpan ErrorPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly PushOptions _options;
    private readonly IOutboxStore _store;
    private readonly IHttpClientFactory _http;
    private readonly OsrClock _clock;
    private readonly DecisionCounters _counters;
    private readonly ILogger _logger;
    private readonly byte[]? _signingKey;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _disposed;

    public WebhookOutbox(
        IOptions<PushOptions> options,
        IOutboxStore store,
        IHttpClientFactory http,
        OsrClock clock,
        DecisionCounters counters,
        ILogger<WebhookOutbox> logger)
    {
        _options = options.Value;
        _store = store;
        _http = http;
        _clock = clock;
        _counters = counters;
        _logger = logger;
        _signingKey = WebhookSignature.ParseSecret(_options.SigningSecret, out _);
    }

    /// <summary>Where the outbox's rows live.</summary>
    public IOutboxStore Store => _store;

    /// <summary>
    /// How long a loop holds the entries it attempts: every attempt with its quick retries fits in
    /// it, with room to record the outcome.
    /// </summary>
    public TimeSpan Lease => _options.AttemptTimeout * 4 + TimeSpan.FromSeconds(30);

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
    internal async Task<OutboxEnqueueResult> EnqueueAsync(string notificationId, byte[] body, DateTimeOffset deliverByUtc,
        bool webhooks, bool mqtt, CancellationToken cancellationToken)
    {
        var urls = webhooks ? _options.Webhooks ?? [] : [];
        if (urls.Length == 0 && !mqtt) return default;
        var now = _clock.UtcNow;
        var ttlBound = now + _options.Ttl;
        var deliverBy = deliverByUtc < ttlBound ? deliverByUtc : ttlBound;
        OutboxEnqueueResult result;
        try
        {
            result = await _store.EnqueueAsync(new OutboxEnqueue(notificationId, body, deliverBy.UtcTicks, now.UtcTicks, urls, mqtt), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            PushLog.WriteFailed(_logger, ex);
            throw;
        }
        if (result.WebhooksQueued > 0)
        {
            _counters.Add(PushCounterNames.WebhookQueued, result.WebhooksQueued);
            PushLog.Queued(_logger, notificationId, result.WebhooksQueued);
            _wake.Writer.TryWrite(true);
        }
        return result;
    }

    /// <summary>The entries of one notification (or all when null), oldest first.</summary>
    public Task<IReadOnlyList<OutboxEntry>> ReadEntriesAsync(string? notificationId = null, CancellationToken cancellationToken = default) =>
        _store.ReadEntriesAsync(notificationId, cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(() => DeliveryLoopAsync(stoppingToken), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopAsync(CancellationToken.None);
        Dispose();
    }

    // ---- delivery loop -------------------------------------------------------------------

    private async Task DeliveryLoopAsync(CancellationToken stoppingToken)
    {
        var started = false;
        var nextPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!started)
                {
                    PushLog.OutboxStarted(_logger, _store.Location, await _store.CountPendingAsync(stoppingToken), _options.Webhooks?.Length ?? 0);
                    started = true;
                }
                _wake.Reader.TryRead(out _);
                var now = _clock.UtcNow;
                foreach (var e in await _store.ExpireDueAsync(now.UtcTicks, stoppingToken))
                {
                    _counters.Add(PushCounterNames.WebhookExpired);
                    PushLog.Expired(_logger, e.NotificationId, e.Url, new DateTimeOffset(e.DeliverByUtcTicks, TimeSpan.Zero), e.Attempts);
                }
                if (now >= nextPrune)
                {
                    var cutoff = now - Retention;
                    var removed = await _store.PruneAsync(cutoff.UtcTicks, stoppingToken);
                    if (removed > 0) PushLog.Pruned(_logger, removed, cutoff);
                    nextPrune = now + IdleWake;
                }

                _counters.OutboxDepth(await _store.CountPendingAsync(stoppingToken));
                var due = await _store.ClaimDueAsync(now.UtcTicks, (now + Lease).UtcTicks, BatchSize, stoppingToken);
                if (due.Count > 0)
                {
                    await DeliverBatchAsync(due, stoppingToken);
                    continue;
                }

                var next = await _store.NextWakeAsync(stoppingToken);
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
                    // A failure here is the machine's (disk, a locked file, the database server), not the
                    // schedule's: the pause is real time, so a stopped or event-driven app clock cannot stall the loop.
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

    private async Task DeliverBatchAsync(IReadOnlyList<OutboxDueEntry> due, CancellationToken stoppingToken)
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
            if (!outcomes.IsEmpty) await RecordAsync(outcomes.ToArray());
        }
    }

    private async Task<Outcome> AttemptAsync(HttpClient client, OutboxDueEntry entry, CancellationToken cancellationToken)
    {
        var remaining = new DateTimeOffset(entry.DeliverByUtcTicks, TimeSpan.Zero) - _clock.UtcNow;
        if (remaining <= TimeSpan.Zero) return new Outcome(entry, OutcomeKind.Expired, entry.Attempts, null, null, null);

        var attempt = entry.Attempts + 1;
        // The deadline (on the app clock) also stops the quick retries of an attempt under way:
        // no request is started after deliver-by.
        using var deadline = new CancellationTokenSource(remaining, _clock.Provider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, entry.Url) { Content = new ByteArrayContent(entry.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", entry.NotificationId);
        if (_signingKey is not null)
        {
            var timestamp = _clock.UtcNow.ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, entry.NotificationId);
            request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader,
                WebhookSignature.Sign(_signingKey, entry.NotificationId, timestamp, entry.Body));
        }
        try
        {
            var started = _clock.Provider.GetTimestamp();
            using var response = await client.SendAsync(request, linked.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and <= 299)
            {
                _counters.PushLatency("webhook", _clock.Provider.GetElapsedTime(started).TotalSeconds);
                return new Outcome(entry, OutcomeKind.Delivered, attempt, status, null, null);
            }
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

    private Outcome Transient(OutboxDueEntry entry, int attempt, int? status, string error, TimeSpan? retryAfter)
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

    private async Task RecordAsync(Outcome[] outcomes)
    {
        var now = _clock.UtcNow;
        var rows = outcomes.Select(o => new OutboxOutcome(o.Entry.NotificationId, o.Entry.Url,
            o.Kind switch
            {
                OutcomeKind.Delivered => OutboxState.Delivered,
                OutcomeKind.Failed => OutboxState.Failed,
                OutcomeKind.Expired => OutboxState.Expired,
                _ => OutboxState.Pending,
            },
            o.Attempts, o.RetryIn is { } delay ? (now + delay).UtcTicks : now.UtcTicks, o.Status, o.Error)).ToArray();
        await _store.RecordAsync(rows, now.UtcTicks, CancellationToken.None);
        foreach (var o in outcomes) Report(o);
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
                PushLog.Expired(_logger, e.NotificationId, e.Url, new DateTimeOffset(e.DeliverByUtcTicks, TimeSpan.Zero), o.Attempts);
                break;
        }
    }

    private enum OutcomeKind { Delivered, Retry, Failed, Expired }

    private sealed record Outcome(OutboxDueEntry Entry, OutcomeKind Kind, int Attempts, int? Status, string? Error, TimeSpan? RetryIn);
}
