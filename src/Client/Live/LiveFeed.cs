using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Streams;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Client.Live;

/// <summary>
/// A live view's subscription (docs/operations.md, "Live views"): subscribes to a stream, then asks the publisher for a
/// lease (<paramref name="renew"/>) and renews it every third of <see cref="LiveStreams.ConsoleLease"/> until the
/// caller stops reading; the subscription is removed at the end. A console that dies without unsubscribing stops the
/// publishing when its lease runs out.
/// </summary>
public static class LiveFeed
{
    /// <summary>Updates kept for a slow reader; older ones are dropped (a live view only needs the latest).</summary>
    private const int Buffer = 64;

    public static async IAsyncEnumerable<T> ReadAsync<T>(IStreamProvider streams, StreamId streamId, Func<TimeSpan, Task> renew,
        TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = Channel.CreateBounded<T>(new BoundedChannelOptions(Buffer) { FullMode = BoundedChannelFullMode.DropOldest });
        var subscription = await streams.GetStream<T>(streamId).SubscribeAsync((item, _) =>
        {
            updates.Writer.TryWrite(item);
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? renewing = null;
        try
        {
            // After subscribing, so the publisher's first update (sent when the lease starts) is not missed.
            await renew(LiveStreams.ConsoleLease).ConfigureAwait(false);
            renewing = RenewAsync(renew, time, stop.Token);
            await foreach (var item in updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return item;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (renewing is not null) await renewing.ConfigureAwait(false);
            try
            {
                await subscription.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The cluster may be gone; the lease ends the publishing anyway.
            }
        }
    }

    private static async Task RenewAsync(Func<TimeSpan, Task> renew, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(LiveStreams.ConsoleLease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await renew(LiveStreams.ConsoleLease).ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // A failed renewal is retried at the next tick, well before the lease runs out.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
