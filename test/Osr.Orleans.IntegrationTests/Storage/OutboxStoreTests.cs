using Osr.Orleans.Grains.Storage;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>
/// <see cref="IOutboxStore"/> on its own (the delivery loop over it: Push/WebhookOutboxTests), the
/// same tests on SQLite and PostgreSQL.
/// </summary>
public abstract class OutboxStoreTests<TBackend> : StoreSuite<TBackend> where TBackend : IStoreBackend, new()
{
    private static readonly long T0 = new DateTime(2026, 11, 23, 18, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly long Second = TimeSpan.TicksPerSecond;
    private static readonly byte[] Body = "{\"notificationId\":\"n\"}"u8.ToArray();

    protected override string Prefix => "outbox";

    private IOutboxStore Store => Stores.Outbox;

    [Fact]
    public async Task ANotificationIsQueuedOncePerWebhookAndMarkedPublishedOnce()
    {
        var request = new OutboxEnqueue("n-1", Body, T0 + 60 * Second, T0, ["http://a/hook", "http://b/hook"], Mqtt: true);

        var first = await Store.EnqueueAsync(request);
        var again = await Store.EnqueueAsync(request with { Urls = ["http://a/hook", "http://c/hook"] });
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Store.EnqueueAsync(request)));

        first.Should().Be(new OutboxEnqueueResult(2, true));
        again.Should().Be(new OutboxEnqueueResult(1, false));
        concurrent.Should().AllBeEquivalentTo(new OutboxEnqueueResult(0, false));
        (await Store.ReadEntriesAsync("n-1")).Select(e => e.Url).Should().Equal("http://a/hook", "http://b/hook", "http://c/hook");
        (await Store.CountPendingAsync()).Should().Be(3);
    }

    [Fact]
    public async Task ForgettingNotificationsDeletesTheirEntriesWhateverTheStateAndTheirMarkersOnly()
    {
        await Store.EnqueueAsync(new OutboxEnqueue("n-gone", Body, T0 + 60 * Second, T0, ["http://a/hook", "http://b/hook"], Mqtt: true));
        await Store.EnqueueAsync(new OutboxEnqueue("n-gone-mqtt", Body, T0 + 60 * Second, T0, [], Mqtt: true));
        await Store.EnqueueAsync(new OutboxEnqueue("n-kept", Body, T0 + 60 * Second, T0, ["http://a/hook"], Mqtt: true));
        await Store.RecordAsync([new OutboxOutcome("n-gone", "http://a/hook", OutboxState.Delivered, 1, T0, 200, null)], T0 + Second);

        (await Store.ForgetNotificationsAsync(["n-gone", "n-gone-mqtt", "never"])).Should().Be(2);
        (await Store.ForgetNotificationsAsync(["n-gone"])).Should().Be(0);
        (await Store.ForgetNotificationsAsync([])).Should().Be(0);

        (await Store.ReadEntriesAsync()).Select(e => e.NotificationId).Should().Equal("n-kept");
        // The MQTT markers went too: the ids count as never handed over.
        (await Store.EnqueueAsync(new OutboxEnqueue("n-gone-mqtt", Body, T0 + 60 * Second, T0, [], Mqtt: true))).MqttFirst.Should().BeTrue();
        (await Store.EnqueueAsync(new OutboxEnqueue("n-kept", Body, T0 + 60 * Second, T0, [], Mqtt: true))).MqttFirst.Should().BeFalse();
    }

    [Fact]
    public async Task MqttOnlyEnqueueStoresNoEntry()
    {
        var result = await Store.EnqueueAsync(new OutboxEnqueue("n-m", Body, T0 + Second, T0, [], Mqtt: true));

        result.Should().Be(new OutboxEnqueueResult(0, true));
        (await Store.ReadEntriesAsync()).Should().BeEmpty();
        (await Store.NextWakeAsync()).Should().BeNull();
    }

    [Fact]
    public async Task ADueEntryIsClaimedByOneLoopUntilItsLeaseEnds()
    {
        await Store.EnqueueAsync(new OutboxEnqueue("n-due", Body, T0 + 600 * Second, T0, ["http://a/hook"], Mqtt: false));

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.ClaimDueAsync(T0, T0 + 60 * Second, 10)));
        var duringLease = await Store.ClaimDueAsync(T0 + 59 * Second, T0 + 120 * Second, 10);
        var afterLease = await Store.ClaimDueAsync(T0 + 60 * Second, T0 + 120 * Second, 10);

        claims.SelectMany(c => c).Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { NotificationId = "n-due", Url = "http://a/hook", DeliverByUtcTicks = T0 + 600 * Second, Attempts = 0 });
        claims.SelectMany(c => c).Single().Body.Should().Equal(Body);
        duringLease.Should().BeEmpty();
        afterLease.Should().ContainSingle();
    }

    [Fact]
    public async Task OutcomesAreRecordedOnlyOnPendingEntries()
    {
        await Store.EnqueueAsync(new OutboxEnqueue("n-r", Body, T0 + 600 * Second, T0, ["http://a/hook", "http://b/hook"], Mqtt: false));
        await Store.ClaimDueAsync(T0, T0 + 60 * Second, 10);

        await Store.RecordAsync([
            new OutboxOutcome("n-r", "http://a/hook", OutboxState.Delivered, 1, T0, 200, null),
            new OutboxOutcome("n-r", "http://b/hook", OutboxState.Pending, 1, T0 + 5 * Second, 503, "HTTP 503"),
        ], T0 + Second);
        // A late outcome for an entry already final changes nothing.
        await Store.RecordAsync([new OutboxOutcome("n-r", "http://a/hook", OutboxState.Failed, 2, T0, 500, "HTTP 500")], T0 + 2 * Second);

        var entries = await Store.ReadEntriesAsync("n-r");
        entries.Should().BeEquivalentTo([
            new OutboxEntry("n-r", "http://a/hook", OutboxState.Delivered, 1, new DateTimeOffset(T0 + 600 * Second, TimeSpan.Zero),
                new DateTimeOffset(T0, TimeSpan.Zero), 200, null),
            new OutboxEntry("n-r", "http://b/hook", OutboxState.Pending, 1, new DateTimeOffset(T0 + 600 * Second, TimeSpan.Zero),
                new DateTimeOffset(T0 + 5 * Second, TimeSpan.Zero), 503, "HTTP 503"),
        ]);
        (await Store.NextWakeAsync()).Should().Be(T0 + 5 * Second);
        (await Store.CountPendingAsync()).Should().Be(1);
    }

    [Fact]
    public async Task PendingEntriesPastDeliverByAreExpiredOnceAndNeverClaimed()
    {
        await Store.EnqueueAsync(new OutboxEnqueue("n-late", Body, T0 + 10 * Second, T0, ["http://a/hook"], Mqtt: false));
        await Store.EnqueueAsync(new OutboxEnqueue("n-ok", Body, T0 + 100 * Second, T0, ["http://a/hook"], Mqtt: false));
        (await Store.NextWakeAsync()).Should().Be(T0);

        var expired = await Store.ExpireDueAsync(T0 + 10 * Second);
        var again = await Store.ExpireDueAsync(T0 + 11 * Second);
        var due = await Store.ClaimDueAsync(T0 + 11 * Second, T0 + 70 * Second, 10);

        expired.Should().Equal(new OutboxExpiredEntry("n-late", "http://a/hook", T0 + 10 * Second, 0));
        again.Should().BeEmpty();
        due.Select(d => d.NotificationId).Should().Equal("n-ok");
        (await Store.ReadEntriesAsync("n-late")).Single().State.Should().Be(OutboxState.Expired);
    }

    [Fact]
    public async Task PruningDeletesOnlyFinishedEntriesAndOldMarkers()
    {
        await Store.EnqueueAsync(new OutboxEnqueue("n-old", Body, T0 + 10 * Second, T0, ["http://a/hook"], Mqtt: true));
        await Store.EnqueueAsync(new OutboxEnqueue("n-pending", Body, T0 + 999 * Second, T0, ["http://a/hook"], Mqtt: false));
        await Store.ExpireDueAsync(T0 + 10 * Second);

        var removed = await Store.PruneAsync(T0 + 11 * Second);

        removed.Should().Be(1);
        (await Store.ReadEntriesAsync()).Select(e => e.NotificationId).Should().Equal("n-pending");
        // The MQTT marker went with it: the id counts as new again (after the retention window).
        (await Store.EnqueueAsync(new OutboxEnqueue("n-old", Body, T0 + 20 * Second, T0 + 12 * Second, [], Mqtt: true))).MqttFirst.Should().BeTrue();
    }

    [Fact]
    public async Task PendingEntriesSurviveAReopen()
    {
        await Store.EnqueueAsync(new OutboxEnqueue("n-keep", Body, T0 + 600 * Second, T0, ["http://a/hook"], Mqtt: true));

        await ReopenAsync();

        (await Store.ClaimDueAsync(T0, T0 + 60 * Second, 10)).Should().ContainSingle().Which.Body.Should().Equal(Body);
        (await Store.EnqueueAsync(new OutboxEnqueue("n-keep", Body, T0 + 600 * Second, T0, ["http://a/hook"], Mqtt: true)))
            .Should().Be(new OutboxEnqueueResult(0, false));
    }
}

public sealed class SqliteOutboxStoreTests : OutboxStoreTests<SqliteBackend>;

public sealed class PostgreSqlOutboxStoreTests : OutboxStoreTests<PostgreSqlBackend>;
