using System.Collections.Concurrent;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Push;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>A push sink that records what the throttles send (the test cluster has no broker or webhooks).</summary>
public sealed class RecordingSink : INotificationSink
{
    public static RecordingSink Instance { get; } = new();

    private readonly ConcurrentQueue<(Notification Notification, PushChannels Channels, DateTimeOffset DeliverBy)> _sent = new();

    public ValueTask DeliverAsync(Notification notification, PushChannels channels, DateTimeOffset deliverByUtc, CancellationToken cancellationToken = default)
    {
        _sent.Enqueue((notification, channels, deliverByUtc));
        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<(Notification Notification, PushChannels Channels, DateTimeOffset DeliverBy)> For(string userId) =>
        [.. _sent.Where(s => s.Notification.UserId == userId)];
}
