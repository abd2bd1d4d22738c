using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Paces the publishes of a slice of devices. Every device has reading slots at a fixed interval
/// (phase-shifted per device); the loop wakes on an absolute tick grid (start + k·tick, so it never
/// drifts), and publishes each device whose next <c>batch</c> slots are due, stamping every reading with
/// its slot's wall-clock time. A device still waiting for its previous PUBACK is skipped for this tick and
/// its readings go into the next message (at most <see cref="SimulationOptions.MaxReadingsPerMessage"/>; older
/// ones are dropped and counted). A device that is offline keeps its due readings the same way and sends them once
/// reconnected; a message that was not acknowledged (<see cref="DeviceSimulator.Unacked"/>) is sent again before
/// anything new. One loop serves thousands of devices: no timer or delay per device.
/// </summary>
public sealed class SenderLoop(
    IReadOnlyList<DeviceSimulator> devices,
    MqttFleet fleet,
    SimulationStats stats,
    TimeProvider time,
    long startTimestamp,
    DateTimeOffset startWallClock,
    long slotInterval,
    int batch)
{
    private readonly Reading[] _scratch = new Reading[SimulationOptions.MaxReadingsPerMessage];

    /// <summary>Tick of the pacing grid, in <see cref="TimeProvider.GetTimestamp"/> units: ≤ 10 ms and ≤ half a publish interval.</summary>
    public long Tick { get; } = Math.Max(time.TimestampFrequency / 1000, Math.Min(time.TimestampFrequency / 100, slotInterval * batch / 2));

    public async Task RunAsync(CancellationToken ct)
    {
        using var serializer = new PooledReadingSerializer();
        long k = 0;
        while (!ct.IsCancellationRequested)
        {
            var now = time.GetTimestamp();
            RunOnce(now, serializer);

            k = Math.Max(k + 1, (now - startTimestamp) / Tick + 1);
            var wait = time.GetElapsedTime(time.GetTimestamp(), startTimestamp + k * Tick);
            if (wait <= TimeSpan.Zero) continue;
            try
            {
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        RunOnce(time.GetTimestamp(), serializer, flush: true);
    }

    /// <summary>
    /// Publishes every device whose next batch is due at <paramref name="now"/>; with <paramref name="flush"/>
    /// (when stopping) also partial batches, so no reading that was due stays unsent.
    /// </summary>
    internal void RunOnce(long now, PooledReadingSerializer serializer, bool flush = false)
    {
        var lead = flush ? 0 : (batch - 1) * slotInterval;
        foreach (var d in devices)
        {
            if (!d.IsConnected)
            {
                // Offline: the device keeps what falls due (its buffer holds one message's worth) and sends it on reconnect.
                if (d.NextSlot <= now) DropBeyondBuffer(d, now, flush ? 0 : _scratch.Length);
                continue;
            }

            if (d.Unacked is not null || d.NextSlot + lead <= now)
            {
                if (!d.TryBeginPublish()) continue;
                if (d.Unacked is { } unacked)
                {
                    // What was not acknowledged goes first, with its own seq numbers; new readings wait behind it.
                    if (unacked.NotBefore <= now) fleet.Resend(d);
                    else d.EndPublish();
                    continue;
                }

                if (d.NextSlot + lead > now)
                {
                    d.EndPublish();
                    continue;
                }

                PublishDue(d, now, serializer, flush);
            }
        }
    }

    /// <summary>
    /// Drops (and counts) the oldest due slots of an offline device beyond <paramref name="keep"/> (what one message can
    /// carry; none when stopping).
    /// </summary>
    private void DropBeyondBuffer(DeviceSimulator d, long now, int keep)
    {
        var due = (now - d.NextSlot) / slotInterval + 1;
        if (due <= keep) return;
        var skip = due - keep;
        d.NextSlot += skip * slotInterval;
        d.Seq += skip;
        if (stats.Measures(now)) stats.OnDropped(skip);
    }

    private void PublishDue(DeviceSimulator d, long now, PooledReadingSerializer serializer, bool flush)
    {
        var due = (now - d.NextSlot) / slotInterval + 1;
        if (due > _scratch.Length)
        {
            var skip = due - _scratch.Length;
            d.NextSlot += skip * slotInterval;
            d.Seq += skip;
            if (stats.Measures(now)) stats.OnDropped(skip);
            due = _scratch.Length;
        }

        // Intended send time: the first tick of the pacing grid at or after the moment the batch was due
        // (its last slot), never later than now. A message delayed by a late loop or by the device's
        // previous PUBACK is timed from there (no coordinated omission). A partial batch flushed on stop
        // was not due: it is timed from now.
        var dueAt = d.NextSlot + (Math.Min(due, batch) - 1) * slotInterval;
        var ticks = dueAt <= startTimestamp ? 0 : (dueAt - startTimestamp + Tick - 1) / Tick;
        var intended = flush && due < batch ? now : Math.Min(now, startTimestamp + ticks * Tick);

        var n = 0;
        for (var j = 0; j < due; j++)
        {
            var slot = d.NextSlot + j * slotInterval;
            var seq = ++d.Seq;
            var ts = startWallClock + time.GetElapsedTime(startTimestamp, slot);
            var truth = d.Script.Sample(ts);
            if (DeviceSimulator.TryCreateReading(truth, d.Kind, d.Seed, seq, ts, out var reading)) _scratch[n++] = reading;
        }

        d.NextSlot += due * slotInterval;
        if (n == 0)
        {
            d.EndPublish();
            return;
        }

        var (buffer, length) = serializer.Serialize(_scratch.AsSpan(0, n));
        fleet.Publish(d, buffer, length, n, intended);
    }
}
