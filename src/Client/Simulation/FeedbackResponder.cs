using System.Collections.Concurrent;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Answers notifications with feedback events on the receiving watch's <c>events</c> topic, as planned by
/// <see cref="FeedbackModel"/>: in the backtest at once with event-time timestamps (<see cref="AnswerAsync"/>), in a
/// wall-clock run each event when its delay has passed (<see cref="RunAsync"/>). A message refused for the per-device
/// quota is sent again after a back-off (<see cref="QuotaBackoff"/>).
/// <para>A device that lost its connection, or a silo that answered "internal error; retry", gets the same event again
/// once the device is back (on any silo) after a back-off, for up to <see cref="QuotaBackoff.MaxWait"/>: feedback is
/// stored once per (notification, action), so a second copy of an event that was stored is harmless.</para>
/// <para>With <paramref name="recordAcknowledged"/>, every acknowledged event is kept (<see cref="Acknowledged"/>): the
/// fault tests compare them with what the store holds.</para>
/// </summary>
public sealed class FeedbackResponder(MqttFleet fleet, World world, ulong seed, TimeProvider time, IReadOnlyDictionary<string, DeviceSimulator> devices,
    bool recordAcknowledged = false)
{
    private readonly ConcurrentQueue<FeedbackEvent> _acknowledged = new();
    private static readonly TimeSpan WallTick = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, long> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private long _answered;
    private long _dropped;
    private long _quotaWaits;

    /// <summary>Notifications answered (their feedback planned and sent or attempted).</summary>
    public long Answered => Volatile.Read(ref _answered);

    /// <summary>Feedback events not sent because the run stopped before they were due (wall clock only).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Times a feedback event waited because the silo refused it for the per-device quota.</summary>
    public long QuotaWaits => Volatile.Read(ref _quotaWaits);

    /// <summary>Feedback events acknowledged, by action.</summary>
    public IReadOnlyDictionary<string, long> Sent => _sent;

    /// <summary>Every acknowledged event, when the responder was created to record them (else empty).</summary>
    public IReadOnlyCollection<FeedbackEvent> Acknowledged => _acknowledged;

    /// <summary>Feedback events refused or failed, by reason.</summary>
    public IReadOnlyDictionary<string, long> Failures => _failures;

    /// <summary>Plans the feedback of <paramref name="n"/> and sends every event now, in order (event time).</summary>
    public async Task<FeedbackPlan> AnswerAsync(ReceivedNotification n, CancellationToken ct)
    {
        var plan = FeedbackModel.Plan(world, n, seed);
        Interlocked.Increment(ref _answered);
        foreach (var e in plan.Events) await SendAsync(n.DeviceId, e, ct).ConfigureAwait(false);
        return plan;
    }

    /// <summary>
    /// Wall-clock mode: takes the listener's notifications as they arrive and sends each feedback event when its delay
    /// (event ts − notification ts) has passed since the notification arrived. Events not yet due when
    /// <paramref name="ct"/> is cancelled are dropped and counted.
    /// </summary>
    public async Task RunAsync(NotificationListener listener, CancellationToken ct)
    {
        var pending = new List<(long Due, string DeviceId, FeedbackEvent Event)>();
        var sending = new List<Task>();
        while (true)
        {
            while (listener.TryDequeue(out var n))
            {
                var plan = FeedbackModel.Plan(world, n, seed);
                Interlocked.Increment(ref _answered);
                foreach (var e in plan.Events)
                    pending.Add((n.ReceivedTimestamp + (long)((e.Ts - n.Ts).TotalSeconds * time.TimestampFrequency), n.DeviceId, e));
            }

            var now = time.GetTimestamp();
            var due = pending.Where(p => p.Due <= now).ToList();
            if (due.Count > 0)
            {
                // Not awaited here: a device that is reconnecting holds up only its own events, not the loop.
                pending.RemoveAll(p => p.Due <= now);
                sending.RemoveAll(t => t.IsCompleted);
                sending.AddRange(due.GroupBy(p => p.Event.NotificationId).Select(async g =>
                {
                    foreach (var p in g.OrderBy(p => p.Event.Ts)) await SendAsync(p.DeviceId, p.Event, CancellationToken.None).ConfigureAwait(false);
                }));
            }

            if (ct.IsCancellationRequested) break;
            try
            {
                await Task.Delay(WallTick, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: one more pass for what is already due, then drop the rest.
            }
        }

        Interlocked.Add(ref _dropped, pending.Count);
        await Task.WhenAll(sending).ConfigureAwait(false);
    }

    private async Task SendAsync(string deviceId, FeedbackEvent e, CancellationToken ct)
    {
        if (!devices.TryGetValue(deviceId, out var device))
        {
            Count(_failures, "unknown device");
            return;
        }

        var payload = e.ToJson();
        var backoff = new QuotaBackoff(time);
        var reconnect = new QuotaBackoff(time);
        while (true)
        {
            var (outcome, reason) = await fleet.PublishEventAsync(device, payload, ct).ConfigureAwait(false);
            switch (outcome)
            {
                case PublishOutcome.Acked:
                    Count(_sent, e.Action);
                    if (recordAcknowledged) _acknowledged.Enqueue(e);
                    return;
                case PublishOutcome.QuotaExceeded when await backoff.WaitAsync(ct).ConfigureAwait(false):
                    Interlocked.Increment(ref _quotaWaits);
                    continue;
                case PublishOutcome.Failed or PublishOutcome.Disconnected when await reconnect.WaitAsync(ct).ConfigureAwait(false):
                    continue;
                default:
                    Count(_failures, reason ?? outcome.ToString());
                    return;
            }
        }
    }

    private static void Count(ConcurrentDictionary<string, long> counts, string key) => counts.AddOrUpdate(key, 1, static (_, n) => n + 1);
}

/// <summary>
/// Waits before re-sending a message the silo refused for the per-device quota (<c>Osr:Ingest:MaxReadingsPerSecond</c>)
/// or that could not be sent (the device is reconnecting): 50 ms, doubling to at most 1 s, giving up after
/// <see cref="MaxWait"/> in all.
/// </summary>
public sealed class QuotaBackoff(TimeProvider time)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(2);
    private TimeSpan _next = TimeSpan.FromMilliseconds(50);
    private TimeSpan _total;

    /// <summary>Waits the next back-off; false (without waiting) once <see cref="MaxWait"/> is used up.</summary>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        if (_total >= MaxWait) return false;
        await Task.Delay(_next, time, ct).ConfigureAwait(false);
        _total += _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, TimeSpan.TicksPerSecond));
        return true;
    }
}
