using System.Diagnostics.Metrics;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Metrics;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains.Metrics;

/// <summary>
/// This silo's ingest counters: lock-free increments on the hot path, read as deltas by the
/// stats reporter about once a second and summed cluster-wide in <see cref="IStatsGrain"/>.
/// Also published as <c>System.Diagnostics.Metrics</c> instruments (meter <c>Osr.Orleans</c>)
/// for dotnet-counters / OpenTelemetry.
/// </summary>
public sealed class IngestCounters : IDisposable
{
    public const string MeterName = "Osr.Orleans";

    private enum Slot
    {
        Accepted, Duplicate, MessagesReceived, MessagesRefused, ConnectsAccepted, ConnectsRefused,
        SubscriptionsRefused, FilterOutliers, EventsAccepted, MessagesHeld, ErrorsSuppressed, RejectedBase,
    }

    private static readonly int SlotCount = (int)Slot.RejectedBase + RejectReasons.Count;
    private static readonly string[] Names = BuildNames();

    private readonly long[] _totals = new long[SlotCount];
    private readonly long[] _reported = new long[SlotCount];
    private readonly Lock _reportLock = new();
    private readonly Meter _meter;

    public IngestCounters(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("osr.readings.accepted", () => Volatile.Read(ref _totals[(int)Slot.Accepted]));
        _meter.CreateObservableCounter("osr.readings.duplicate", () => Volatile.Read(ref _totals[(int)Slot.Duplicate]));
        _meter.CreateObservableCounter("osr.readings.rejected", ObserveRejected);
        _meter.CreateObservableCounter("osr.messages.received", () => Volatile.Read(ref _totals[(int)Slot.MessagesReceived]));
        _lag = _meter.CreateHistogram("osr.ingest.lag", "s", "time from a message's newest reading ts to its grain having applied it",
            tags: null, advice: SecondsBuckets);
    }

    private readonly Histogram<double> _lag;

    /// <summary>Bucket bounds (seconds) of the latency histograms: 1 ms to 1 min.</summary>
    internal static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    /// <summary>One applied message: <paramref name="lagTicks"/> from its newest reading's <c>ts</c> to now (never below 0).</summary>
    public void Lag(long lagTicks)
    {
        _lag.Record(Math.Max(0, lagTicks) / (double)TimeSpan.TicksPerSecond);
        Interlocked.Increment(ref _lagBuckets[LagBuckets.IndexOf(lagTicks)]);
    }

    private readonly long[] _lagBuckets = new long[LagBuckets.Count];
    private readonly long[] _lagReported = new long[LagBuckets.Count];

    /// <summary>The <see cref="LagBuckets"/> counts added since the previous call (null when none).</summary>
    public long[]? TakeLagDelta()
    {
        lock (_reportLock)
        {
            long[]? delta = null;
            for (var i = 0; i < LagBuckets.Count; i++)
            {
                var now = Volatile.Read(ref _lagBuckets[i]);
                var d = now - _lagReported[i];
                if (d == 0) continue;
                (delta ??= new long[LagBuckets.Count])[i] = d;
                _lagReported[i] = now;
            }
            return delta;
        }
    }

    /// <summary>Puts a lag delta that could not be reported back, so it is sent next time.</summary>
    public void RestoreLag(long[] delta)
    {
        lock (_reportLock)
        {
            for (var i = 0; i < LagBuckets.Count; i++) _lagReported[i] -= delta[i];
        }
    }

    public void Accepted(int n) => Add(Slot.Accepted, n);
    public void Duplicate(int n) => Add(Slot.Duplicate, n);
    public void Rejected(RejectReason reason, int n = 1) => Interlocked.Add(ref _totals[(int)Slot.RejectedBase + (int)reason], n);
    public void MessageReceived() => Add(Slot.MessagesReceived, 1);
    public void MessageRefused() => Add(Slot.MessagesRefused, 1);
    public void ConnectAccepted() => Add(Slot.ConnectsAccepted, 1);
    public void ConnectRefused() => Add(Slot.ConnectsRefused, 1);
    public void SubscriptionRefused() => Add(Slot.SubscriptionsRefused, 1);
    public void FilterOutliers(int n) => Add(Slot.FilterOutliers, n);
    public void EventAccepted() => Add(Slot.EventsAccepted, 1);
    /// <summary>A message held back by flood control or, for an MQTT 3.1.1 client, by the reading quota.</summary>
    public void MessageHeld() => Add(Slot.MessagesHeld, 1);
    /// <summary>An error reply not published because the connection's error budget was spent.</summary>
    public void ErrorSuppressed() => Add(Slot.ErrorsSuppressed, 1);

    public long Total(string name)
    {
        var i = Array.IndexOf(Names, name);
        return i < 0 ? 0 : Volatile.Read(ref _totals[i]);
    }

    /// <summary>Counters changed since the previous call (null when nothing changed).</summary>
    public CounterSet? TakeDelta()
    {
        lock (_reportLock)
        {
            Dictionary<string, long>? delta = null;
            for (var i = 0; i < SlotCount; i++)
            {
                var now = Volatile.Read(ref _totals[i]);
                var d = now - _reported[i];
                if (d == 0) continue;
                (delta ??= [])[Names[i]] = d;
                _reported[i] = now;
            }
            return delta is null ? null : new CounterSet(delta);
        }
    }

    /// <summary>Puts a delta that could not be reported back, so it is sent next time.</summary>
    public void Restore(CounterSet delta)
    {
        lock (_reportLock)
        {
            foreach (var (name, value) in delta.Counters)
            {
                var i = Array.IndexOf(Names, name);
                if (i >= 0) _reported[i] -= value;
            }
        }
    }

    public void Dispose() => _meter.Dispose();

    private void Add(Slot slot, long n) => Interlocked.Add(ref _totals[(int)slot], n);

    private IEnumerable<Measurement<long>> ObserveRejected()
    {
        for (var r = 1; r < RejectReasons.Count; r++)
        {
            var v = Volatile.Read(ref _totals[(int)Slot.RejectedBase + r]);
            if (v != 0) yield return new Measurement<long>(v, new KeyValuePair<string, object?>("reason", ((RejectReason)r).Code()));
        }
    }

    private static string[] BuildNames()
    {
        var names = new string[SlotCount];
        names[(int)Slot.Accepted] = CounterNames.ReadingsAccepted;
        names[(int)Slot.Duplicate] = CounterNames.ReadingsDuplicate;
        names[(int)Slot.MessagesReceived] = CounterNames.MessagesReceived;
        names[(int)Slot.MessagesRefused] = CounterNames.MessagesRefused;
        names[(int)Slot.ConnectsAccepted] = CounterNames.ConnectsAccepted;
        names[(int)Slot.ConnectsRefused] = CounterNames.ConnectsRefused;
        names[(int)Slot.SubscriptionsRefused] = CounterNames.SubscriptionsRefused;
        names[(int)Slot.FilterOutliers] = CounterNames.FilterOutliers;
        names[(int)Slot.EventsAccepted] = CounterNames.EventsAccepted;
        names[(int)Slot.MessagesHeld] = CounterNames.MessagesHeld;
        names[(int)Slot.ErrorsSuppressed] = CounterNames.ErrorsSuppressed;
        for (var r = 0; r < RejectReasons.Count; r++)
            names[(int)Slot.RejectedBase + r] = CounterNames.Rejected((RejectReason)r);
        return names;
    }
}
