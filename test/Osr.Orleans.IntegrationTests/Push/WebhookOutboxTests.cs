using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.IntegrationTests.Storage;
using Osr.Orleans.Silo.Push;
using Osr.Orleans.Storage.Sqlite;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary>
/// The webhook outbox against real HTTP receivers on loopback: retries, idempotency, expiry,
/// permanent failures and restarts. The app clock is fake; retries happen when the test moves it.
/// The same tests run with the outbox's rows on SQLite (<c>outbox.db</c>) and on PostgreSQL.
/// </summary>
public abstract class WebhookOutboxTests<TBackend> : IAsyncLifetime where TBackend : IStoreBackend, new()
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);
    private protected static readonly DateTimeOffset Later = T0.AddHours(1);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(2);

    private readonly string _directory = TempDirectory.Create("osr-push");
    private readonly TBackend _backend = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<IAsyncDisposable> _owned = [];

    protected string DataDirectory => _directory;

    public Task InitializeAsync() => _backend.InitializeAsync("push");

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        await _backend.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task FirstAttemptFailingWith500IsRetriedAndDeliveredExactlyOnceWithTheContractBody()
    {
        var receiver = Receiver(i => i == 0 ? 500 : 200);
        var push = await HostAsync([receiver.Url]);
        var notification = Note("n-500");

        await push.Sink.DeliverAsync(notification, PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => Delivered(push) == 1, "delivered", _signal, _time, Step);

        receiver.Successful.Should().ContainSingle();
        var expected = NotificationJson.Serialize(notification);
        receiver.Receipts.Should().AllSatisfy(r =>
        {
            r.Method.Should().Be("POST");
            r.ContentType.Should().Be("application/json");
            r.IdempotencyKey.Should().Be("n-500");
            r.Body.Should().Equal(expected);
        });
        receiver.Receipts.Select(r => r.Status).Should().Equal(500, 200);
        push.Counters.Total(PushCounterNames.WebhookFailed).Should().Be(0);
    }

    [Fact]
    public async Task TransientFailuresBeyondTheQuickRetriesAreRescheduledWithBackoff()
    {
        // 1 + 2 quick retries fail in the first outbox attempt; the second attempt succeeds.
        var receiver = Receiver(i => i < 3 ? 503 : 200);
        var push = await HostAsync([receiver.Url]);

        await push.Sink.DeliverAsync(Note("n-503"), PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => Retried(push) == 1, "first attempt rescheduled", _signal);
        receiver.Count.Should().Be(3);
        var pending = (await push.Outbox.ReadEntriesAsync("n-503")).Single();
        pending.State.Should().Be(OutboxState.Pending);
        pending.Attempts.Should().Be(1);
        pending.LastStatus.Should().Be(503);
        (pending.NextAttempt - T0).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(500)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(1));

        await Poll.UntilAsync(() => Delivered(push) == 1, "delivered", _signal, _time, Step);

        receiver.Successful.Should().ContainSingle();
        receiver.Count.Should().Be(4);
        var entry = (await push.Outbox.ReadEntriesAsync("n-503")).Single();
        entry.State.Should().Be(OutboxState.Delivered);
        entry.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task TheSameNotificationDeliveredTwiceIsPostedOnce()
    {
        var receiver = Receiver();
        var push = await HostAsync([receiver.Url]);
        var notification = Note("n-twice");

        await push.Sink.DeliverAsync(notification, PushChannels.Webhook, Later);
        await push.Sink.DeliverAsync(notification, PushChannels.Webhook, Later);
        await Task.WhenAll(
            push.Sink.DeliverAsync(notification, PushChannels.All, T0.AddMinutes(15)).AsTask(),
            push.Sink.DeliverAsync(notification, PushChannels.Webhook, Later.AddMinutes(5)).AsTask());
        await Poll.UntilAsync(() => Delivered(push) == 1, "delivered", _signal);

        // One entry, delivered, nothing left pending: there is nothing that could be POSTed again.
        var entries = await push.Outbox.ReadEntriesAsync();
        entries.Should().ContainSingle().Which.State.Should().Be(OutboxState.Delivered);
        push.Counters.Total(PushCounterNames.WebhookQueued).Should().Be(1);
        receiver.Count.Should().Be(1);
    }

    [Fact]
    public async Task ANotificationWhoseDeliverByHasPassedIsNeverPostedAndCountedExpired()
    {
        var receiver = Receiver();
        var push = await HostAsync([receiver.Url]);

        await push.Sink.DeliverAsync(Note("n-late"), PushChannels.Webhook, T0.AddSeconds(-1));
        await Poll.UntilAsync(() => push.Counters.Total(PushCounterNames.WebhookExpired) == 1, "expired", _signal);

        receiver.Count.Should().Be(0);
        (await push.Outbox.ReadEntriesAsync("n-late")).Single().State.Should().Be(OutboxState.Expired);
        Delivered(push).Should().Be(0);
    }

    [Fact]
    public async Task RetriesStopWhenTheDeliverByTimePasses()
    {
        var receiver = Receiver(_ => 503);
        var push = await HostAsync([receiver.Url]);

        await push.Sink.DeliverAsync(Note("n-ttl"), PushChannels.Webhook, T0.AddSeconds(5));
        // The clock moves only once the first attempt is under way: on a busy machine the loop's
        // first pass may otherwise start after deliver-by (then the entry expires unattempted).
        await Poll.UntilAsync(() => receiver.Count >= 1, "first attempt made", _signal);
        await Poll.UntilAsync(() => push.Counters.Total(PushCounterNames.WebhookExpired) == 1, "expired", _signal, _time, Step);

        // Expired, not pending: the loop never POSTs it again.
        var entry = (await push.Outbox.ReadEntriesAsync("n-ttl")).Single();
        entry.State.Should().Be(OutboxState.Expired);
        entry.Attempts.Should().BeGreaterThanOrEqualTo(1);
        receiver.Count.Should().BeGreaterThanOrEqualTo(1);
        receiver.Successful.Should().BeEmpty();
        push.Counters.Total(PushCounterNames.WebhookFailed).Should().Be(0);
    }

    [Fact]
    public async Task A400FailsAtOnceWithoutRetry()
    {
        var receiver = Receiver(_ => 400);
        var push = await HostAsync([receiver.Url]);

        await push.Sink.DeliverAsync(Note("n-400"), PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => push.Counters.Total(PushCounterNames.WebhookFailed) == 1, "failed", _signal);

        receiver.Count.Should().Be(1);
        Retried(push).Should().Be(0);
        var entry = (await push.Outbox.ReadEntriesAsync("n-400")).Single();
        entry.State.Should().Be(OutboxState.Failed);
        entry.Attempts.Should().Be(1);
        entry.LastStatus.Should().Be(400);
    }

    [Fact]
    public async Task ExhaustingMaxAttemptsMarksTheEntryFailed()
    {
        var receiver = Receiver(_ => 500);
        var push = await HostAsync([receiver.Url], new Dictionary<string, string?> { ["Osr:Push:MaxAttempts"] = "3" });

        await push.Sink.DeliverAsync(Note("n-max"), PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => push.Counters.Total(PushCounterNames.WebhookFailed) == 1, "failed", _signal, _time, Step);

        Retried(push).Should().Be(2);
        receiver.Count.Should().Be(9, "3 outbox attempts of 1 + 2 quick requests each");
        var entry = (await push.Outbox.ReadEntriesAsync("n-max")).Single();
        entry.State.Should().Be(OutboxState.Failed);
        entry.Attempts.Should().Be(3);
        Delivered(push).Should().Be(0);
    }

    [Fact]
    public async Task ARefusedConnectionIsRetriedUntilTheReceiverComesUp()
    {
        var port = FreePort.Next();
        var push = await HostAsync([$"http://127.0.0.1:{port}/hook"]);

        await push.Sink.DeliverAsync(Note("n-down"), PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => Retried(push) >= 1, "connection refused, rescheduled", _signal);
        var receiver = Receiver(port: port);
        await Poll.UntilAsync(() => Delivered(push) == 1, "delivered", _signal, _time, Step);

        receiver.Successful.Should().ContainSingle().Which.IdempotencyKey.Should().Be("n-down");
    }

    [Fact]
    public async Task AnAttemptThatTimesOutIsRetried()
    {
        // The first three requests never get an answer: each hits the 300 ms attempt timeout.
        var receiver = Receiver(i => i < 3 ? null : 200);
        var push = await HostAsync([receiver.Url], new Dictionary<string, string?> { ["Osr:Push:AttemptTimeout"] = "00:00:00.300" });

        await push.Sink.DeliverAsync(Note("n-slow"), PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => Delivered(push) == 1, "delivered", _signal, _time, Step);

        Retried(push).Should().Be(1);
        (await push.Outbox.ReadEntriesAsync("n-slow")).Single().Attempts.Should().Be(2);
        receiver.Successful.Should().ContainSingle();
    }

    [Fact]
    public async Task APendingEntrySurvivesARestartOfTheOutbox()
    {
        var receiver = Receiver(_ => 503);
        var notification = Note("n-restart");
        var first = await PushHost.StartAsync(_directory, _time, [receiver.Url], postgres: _backend.ConnectionString);
        await first.Sink.DeliverAsync(notification, PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => Retried(first) == 1, "first attempt rescheduled", _signal);
        await first.DisposeAsync();

        receiver.Respond = _ => 200;
        var second = await HostAsync([receiver.Url]);
        await Poll.UntilAsync(() => Delivered(second) == 1, "delivered after the restart", _signal, _time, Step);

        // Queued once whatever happens: the same id again is not a new entry.
        await second.Sink.DeliverAsync(notification, PushChannels.Webhook, Later);
        second.Counters.Total(PushCounterNames.WebhookQueued).Should().Be(0);
        receiver.Successful.Should().ContainSingle().Which.Body.Should().Equal(NotificationJson.Serialize(notification));
        var entry = (await second.Outbox.ReadEntriesAsync("n-restart")).Single();
        entry.State.Should().Be(OutboxState.Delivered);
        entry.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task EachOfTwoWebhooksGetsTheNotificationOnce()
    {
        var a = Receiver();
        var b = Receiver(i => i == 0 ? 502 : 200);
        var push = await HostAsync([a.Url, b.Url]);
        var notification = Note("n-two");

        await push.Sink.DeliverAsync(notification, PushChannels.Webhook, Later);
        await Poll.UntilAsync(() => Delivered(push) == 2, "delivered to both", _signal, _time, Step);

        a.Successful.Should().ContainSingle();
        b.Successful.Should().ContainSingle();
        a.Receipts.Should().ContainSingle();
        a.Successful[0].Body.Should().Equal(b.Successful[0].Body);
        (await push.Outbox.ReadEntriesAsync("n-two")).Select(e => (e.Url, e.State))
            .Should().BeEquivalentTo([(a.Url, OutboxState.Delivered), (b.Url, OutboxState.Delivered)]);
    }

    internal static Notification Note(string id) => OutboxNotes.Note(id);

    private static long Delivered(PushHost push) => push.Counters.Total(PushCounterNames.WebhookDelivered);

    private static long Retried(PushHost push) => push.Counters.Total(PushCounterNames.WebhookRetried);

    private WebhookReceiver Receiver(Func<int, int?>? respond = null, int? port = null)
    {
        var receiver = WebhookReceiver.Start(_signal, respond, port);
        _owned.Add(receiver);
        return receiver;
    }

    private protected WebhookReceiver StartReceiver(Func<int, int?>? respond = null) => Receiver(respond);

    private protected Task WaitAsync(Func<bool> condition, string because) => Poll.UntilAsync(condition, because, _signal, _time, Step);

    private protected async Task<PushHost> HostAsync(string[] webhooks, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var host = await PushHost.StartAsync(_directory, _time, webhooks, overrides, _backend.ConnectionString);
        _owned.Add(host);
        return host;
    }
}

/// <summary>The outbox on its embedded SQLite file.</summary>
public sealed class SqliteWebhookOutboxTests : WebhookOutboxTests<SqliteBackend>
{
    [Fact]
    public async Task TheOutboxIsItsOwnFileInTheDataDirectory()
    {
        var push = await HostAsync([]);

        ((SqliteOutboxStore)push.Outbox.Store).Database.Path.Should().Be(Path.Combine(Path.GetFullPath(DataDirectory), "outbox.db"));
        await Poll.UntilAsync(() => File.Exists(((SqliteOutboxStore)push.Outbox.Store).Database.Path), "outbox.db created");
    }
}

/// <summary>The outbox on PostgreSQL (a fresh database per test), also shared by two silos' delivery loops.</summary>
public sealed class PostgreSqlWebhookOutboxTests : WebhookOutboxTests<PostgreSqlBackend>
{
    [Fact]
    public async Task TwoSilosDeliveryLoopsOnOneOutboxPostEachNotificationOnce()
    {
        var receiver = StartReceiver();
        var a = await HostAsync([receiver.Url]);
        var b = await HostAsync([receiver.Url]);
        var ids = Enumerable.Range(0, 40).Select(i => $"n-shared-{i:D2}").ToArray();

        // Half queued through each silo, each also repeated on the other one.
        await Task.WhenAll(ids.Select((id, i) => (i % 2 == 0 ? a : b).Sink.DeliverAsync(Note(id), PushChannels.Webhook, Later).AsTask()));
        await Task.WhenAll(ids.Select((id, i) => (i % 2 == 0 ? b : a).Sink.DeliverAsync(Note(id), PushChannels.Webhook, Later).AsTask()));
        // Real time only: every entry is due at once, and moving the shared fake clock while POSTs
        // are in flight would run out their leases (a lease covers a delivery's real duration).
        await Poll.UntilAsync(() => a.Counters.Total(PushCounterNames.WebhookDelivered) + b.Counters.Total(PushCounterNames.WebhookDelivered) == ids.Length,
            "every notification delivered by one of the two loops");

        receiver.Successful.Select(r => r.IdempotencyKey).Should().BeEquivalentTo(ids, "each notification is POSTed exactly once");
        (a.Counters.Total(PushCounterNames.WebhookQueued) + b.Counters.Total(PushCounterNames.WebhookQueued)).Should().Be(ids.Length);
        (await a.Outbox.ReadEntriesAsync()).Should().HaveCount(ids.Length).And.OnlyContain(e => e.State == OutboxState.Delivered);
    }
}

/// <summary>A notification as the push tests send it.</summary>
internal static class OutboxNotes
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    public static Notification Note(string id) =>
        new(id, "u-7", "drink-3", "drinks", 0.91, 1.7, 0.42, "post-workout", T0.AddSeconds(-3.25), T0.AddMinutes(15));
}
