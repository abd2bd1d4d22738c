using BenchmarkDotNet.Attributes;
using Osr.Orleans.Models.Live;

namespace Osr.Orleans.Benchmarks;

/// <summary>
/// What the live view adds to <c>UserStateGrain.ApplyAsync</c> per batch of readings (docs/benchmarks.md, "Live views"):
/// the guard <c>_watch.Armed &amp;&amp; _watch.TakeSnapshotSlot(now, 250 ms)</c>. <see cref="Unwatched"/> is the cost when
/// nobody watches (the lease is not armed; the clock is not even read), <see cref="WatchedBetweenSnapshots"/> the cost
/// while a lease lives and the last snapshot is less than the interval ago. Time advances 1 ms per operation.
/// </summary>
[MemoryDiagnoser]
public class WatchLeaseBenchmarks
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private WatchLease _unarmed;
    private WatchLease _armed;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        _now = new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc).Ticks;
        _armed.Renew(_now, TimeSpan.FromDays(1) > WatchLease.Max ? WatchLease.Max : TimeSpan.FromDays(1));
        _armed.TakeSnapshotSlot(_now, TimeSpan.FromDays(365));
    }

    [Benchmark(Baseline = true)]
    public bool Unwatched() => _unarmed.Armed && _unarmed.TakeSnapshotSlot(_now += TimeSpan.TicksPerMillisecond, Interval);

    [Benchmark]
    public bool WatchedBetweenSnapshots() => _armed.Armed && _armed.TakeSnapshotSlot(_now += TimeSpan.TicksPerMillisecond, Interval);
}
