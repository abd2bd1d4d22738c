using Osr.Orleans.Grains.Interfaces;
using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Silo.Push;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary>The MQTT side of <see cref="PushDelivery"/> and its registration by <c>AddOsrPush</c>.</summary>
public sealed class PushDeliveryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    private readonly string _directory = TempDirectory.Create("osr-push-mqtt");
    private readonly FakeTimeProvider _time = new(T0);
    private readonly ConcurrentQueue<(string Topic, byte[] Payload)> _published = new();
    private PushHost _host = null!;

    public async Task InitializeAsync() => _host = await PushHost.StartAsync(_directory, _time, []);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ANotificationIsPublishedOnceOnItsUsersTopicWithTheContractBody()
    {
        var sink = Sink();
        var notification = OutboxNotes.Note("n-mqtt");

        await sink.DeliverAsync(notification, PushChannels.All, T0.AddMinutes(15));
        await sink.DeliverAsync(notification, PushChannels.Mqtt, T0.AddMinutes(15));

        var (topic, payload) = _published.Should().ContainSingle().Subject;
        topic.Should().Be("osr/v1/users/u-7/notifications");
        payload.Should().Equal(NotificationJson.Serialize(notification));
        _host.Counters.Total(PushCounterNames.MqttPublished).Should().Be(1);
    }

    [Fact]
    public async Task TheMqttDuplicateCheckSurvivesARestart()
    {
        var notification = OutboxNotes.Note("n-mqtt-restart");
        await Sink().DeliverAsync(notification, PushChannels.Mqtt, T0.AddMinutes(15));
        await _host.DisposeAsync();
        _host = await PushHost.StartAsync(_directory, _time, []);

        await Sink().DeliverAsync(notification, PushChannels.Mqtt, T0.AddMinutes(15));

        _published.Should().ContainSingle();
    }

    [Fact]
    public async Task AnExpiredNotificationIsNotPublished()
    {
        await Sink().DeliverAsync(OutboxNotes.Note("n-old"), PushChannels.Mqtt, T0);

        _published.Should().BeEmpty();
        _host.Counters.Total(PushCounterNames.MqttExpired).Should().Be(1);
        _host.Counters.Total(PushCounterNames.MqttPublished).Should().Be(0);
    }

    [Fact]
    public async Task TheMqttChannelAloneQueuesNoWebhookEntry()
    {
        var signal = new SemaphoreSlim(0);
        await using var receiver = WebhookReceiver.Start(signal);
        await using var host = await PushHost.StartAsync(TempDirectory.Create("osr-push-mqtt-only"), _time, [receiver.Url]);
        var sink = new PushDelivery(host.Outbox, host.Counters, new OsrClock(_time), NullLogger.Instance, PublishAsync);

        await sink.DeliverAsync(OutboxNotes.Note("n-mqtt-only"), PushChannels.Mqtt, T0.AddMinutes(15));

        _published.Should().ContainSingle();
        (await host.Outbox.ReadEntriesAsync()).Should().BeEmpty();
        receiver.Count.Should().Be(0);
    }

    [Fact]
    public async Task NoChannelSendsNothing()
    {
        await Sink().DeliverAsync(OutboxNotes.Note("n-none"), PushChannels.None, T0.AddMinutes(15));

        _published.Should().BeEmpty();
    }

    [Fact]
    public async Task AddOsrPushReplacesTheGrainsNullSinkWhicheverIsRegisteredFirst()
    {
        var before = PushHost.CreateBuilder(TempDirectory.Create("osr-push-di"), _time, []);
        before.Services.TryAddSingleton<INotificationSink, NullNotificationSink>();
        before.AddOsrPush();
        using var a = before.Build();

        var after = PushHost.CreateBuilder(TempDirectory.Create("osr-push-di"), _time, []);
        after.AddOsrPush();
        after.Services.TryAddSingleton<INotificationSink, NullNotificationSink>();
        using var b = after.Build();

        a.Services.GetRequiredService<INotificationSink>().Should().BeOfType<PushDelivery>();
        b.Services.GetRequiredService<INotificationSink>().Should().BeOfType<PushDelivery>();
        a.Services.GetServices<IHostedService>().OfType<WebhookOutbox>().Should().ContainSingle()
            .Which.Should().BeSameAs(a.Services.GetRequiredService<WebhookOutbox>());
        await a.Services.GetRequiredService<WebhookOutbox>().DisposeAsync();
        await b.Services.GetRequiredService<WebhookOutbox>().DisposeAsync();
    }

    private PushDelivery Sink() => new(_host.Outbox, _host.Counters, new OsrClock(_time), NullLogger.Instance, PublishAsync);

    private Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        _published.Enqueue((topic, payload));
        return Task.CompletedTask;
    }
}
