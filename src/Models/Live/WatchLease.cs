namespace Osr.Orleans.Models.Live;

/// <summary>
/// A live view's lease on a publisher (docs/operations.md, "Live views"). A watcher asks for a lease
/// of <see cref="Clamp"/>(requested) and renews it before it runs out; while it is live the publisher
/// emits at most one snapshot per interval, and when nobody renews it lapses on its own, so a watcher
/// that vanishes (Ctrl+C, a killed console) stops the publishing within one lease.
/// The state is two longs; with no lease the publisher's whole cost is <see cref="Armed"/>, one compare.
/// </summary>
public struct WatchLease
{
    /// <summary>Shortest lease granted: a renewal every third of it stays well above a grain call's latency.</summary>
    public static readonly TimeSpan Min = TimeSpan.FromSeconds(1);

    /// <summary>Longest lease granted: a vanished watcher costs at most this much publishing.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(2);

    private long _untilTicks;
    private long _nextSnapshotTicks;

    /// <summary>A lease was granted and has not yet been seen lapsed (it may have run out since).</summary>
    public readonly bool Armed => _untilTicks != 0;

    /// <summary>When the lease runs out (UTC ticks), 0 when none is armed.</summary>
    public readonly long UntilTicks => _untilTicks;

    /// <summary>The granted length: <paramref name="requested"/> within [<see cref="Min"/>, <see cref="Max"/>].</summary>
    public static TimeSpan Clamp(TimeSpan requested) =>
        requested < Min ? Min : requested > Max ? Max : requested;

    /// <summary>Grants or extends the lease to <paramref name="nowTicks"/> + <see cref="Clamp"/>(<paramref name="requested"/>); returns its end.</summary>
    public long Renew(long nowTicks, TimeSpan requested)
    {
        var until = nowTicks + Clamp(requested).Ticks;
        if (until > _untilTicks) _untilTicks = until;
        return _untilTicks;
    }

    /// <summary>Whether the lease is live at <paramref name="nowTicks"/>; a lapsed lease is disarmed here.</summary>
    public bool IsLive(long nowTicks)
    {
        if (_untilTicks == 0) return false;
        if (nowTicks < _untilTicks) return true;
        _untilTicks = 0;
        _nextSnapshotTicks = 0;
        return false;
    }

    /// <summary>
    /// Whether a snapshot is due at <paramref name="nowTicks"/>: the lease is live and the last snapshot
    /// is at least <paramref name="interval"/> ago. A true answer takes the slot (the next one is due an interval later).
    /// </summary>
    public bool TakeSnapshotSlot(long nowTicks, TimeSpan interval)
    {
        if (!IsLive(nowTicks) || nowTicks < _nextSnapshotTicks) return false;
        _nextSnapshotTicks = nowTicks + interval.Ticks;
        return true;
    }
}
