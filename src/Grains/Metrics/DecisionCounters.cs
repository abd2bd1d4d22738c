using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Grains.Metrics;

/// <summary>
/// This silo's counters with open-ended names (decisions by rule, notifications by model version,
/// segment and arm, push deliveries). Off the per-reading path: a decision or a feedback adds a
/// handful. Reported with the ingest counters about once a second.
/// </summary>
public sealed class DecisionCounters
{
    private readonly ConcurrentDictionary<string, StrongBox> _totals = new(StringComparer.Ordinal);
    private readonly Lock _reportLock = new();
    private readonly Dictionary<string, long> _reported = new(StringComparer.Ordinal);
    private readonly Histogram<double> _pushLatency;

    /// <summary>
    /// Also published on the <c>Osr.Orleans</c> meter (docs/contract.md "Operations"): <c>osr.decisions</c> by outcome and
    /// reason, <c>osr.notifications</c> by event, <c>osr.push.latency</c> by channel and <c>osr.webhook.outbox.depth</c>.
    /// </summary>
    public DecisionCounters(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(IngestCounters.MeterName) ?? new Meter(IngestCounters.MeterName);
        meter.CreateObservableCounter("osr.decisions", ObserveDecisions, description: "scoring decisions by outcome and reason");
        meter.CreateObservableCounter("osr.notifications", ObserveNotifications, description: "notifications sent and their feedback, by event");
        meter.CreateObservableGauge("osr.webhook.outbox.depth", ObserveOutboxDepth, description: "webhook deliveries waiting in this silo's outbox");
        _pushLatency = meter.CreateHistogram("osr.push.latency", "s",
            "mqtt: from the send decision to the broker accepting the notification; webhook: the successful POST",
            tags: null, advice: IngestCounters.SecondsBuckets);
    }

    private long _outboxDepth = -1;

    /// <summary>The webhook outbox's pending deliveries, as its loop last counted them.</summary>
    public void OutboxDepth(long pending) => Volatile.Write(ref _outboxDepth, pending);

    private IEnumerable<Measurement<long>> ObserveOutboxDepth()
    {
        var depth = Volatile.Read(ref _outboxDepth);
        if (depth >= 0) yield return new Measurement<long>(depth);
    }

    /// <summary>One push handed over on <paramref name="channel"/> (<c>mqtt</c>, <c>webhook</c>) <paramref name="seconds"/> after its decision.</summary>
    public void PushLatency(string channel, double seconds) =>
        _pushLatency.Record(Math.Max(0, seconds), new KeyValuePair<string, object?>("channel", channel));

    /// <summary><c>decisions.sent</c> (less the explored ones: reason <c>score</c>), <c>decisions.explored</c>, <c>decisions.suppressed.{reason}</c>.</summary>
    private IEnumerable<Measurement<long>> ObserveDecisions()
    {
        var explored = Total(CounterNames.DecisionsExplored);
        var sent = Total(CounterNames.DecisionsSent);
        if (sent > 0)
        {
            yield return Decision(sent - explored, "sent", "score");
            if (explored > 0) yield return Decision(explored, "sent", "explore");
        }
        foreach (var (name, box) in _totals)
            if (name.StartsWith(CounterNames.DecisionsSuppressedPrefix, StringComparison.Ordinal))
                yield return Decision(Volatile.Read(ref box.Value), "suppressed", name[CounterNames.DecisionsSuppressedPrefix.Length..]);
    }

    private static Measurement<long> Decision(long value, string outcome, string reason) =>
        new(value, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason));

    /// <summary><c>notifications.{event}</c> without a model, segment or arm breakdown.</summary>
    private IEnumerable<Measurement<long>> ObserveNotifications()
    {
        foreach (var (name, box) in _totals)
        {
            if (!name.StartsWith(CounterNames.NotificationsPrefix, StringComparison.Ordinal)) continue;
            var e = name[CounterNames.NotificationsPrefix.Length..];
            if (e.Contains('.', StringComparison.Ordinal)) continue;
            yield return new Measurement<long>(Volatile.Read(ref box.Value), new KeyValuePair<string, object?>("event", e));
        }
    }

    /// <summary>
    /// Distinct segments (free text from the users CSV) the conversion breakdown counts on this silo; further segments
    /// are counted under <see cref="OtherValue"/>, so counters (here, in the stats grain and on /metrics) stay bounded
    /// whatever is imported. Model versions are not bounded this way: the system names them, one per training.
    /// </summary>
    public const int MaxBreakdownValues = 100;

    /// <summary>The segment counters of segments beyond <see cref="MaxBreakdownValues"/> are added to.</summary>
    public const string OtherValue = "other";

    private readonly ConcurrentDictionary<string, byte> _segments = new(StringComparer.Ordinal);

    public void Add(string name, long n = 1)
    {
        if (!_totals.TryGetValue(name, out var box)) box = _totals.GetOrAdd(Bounded(name), static _ => new StrongBox());
        Interlocked.Add(ref box.Value, n);
    }

    /// <summary><paramref name="name"/>, or its segment replaced by <see cref="OtherValue"/> when the segments are full.</summary>
    private string Bounded(string name)
    {
        var at = name.IndexOf(CounterNames.BySegment, StringComparison.Ordinal);
        if (at < 0) return name;
        var start = at + CounterNames.BySegment.Length; // the segment is the rest of the name (it may contain dots)
        var value = name[start..];
        if (_segments.ContainsKey(value) || value == OtherValue) return name;
        if (_segments.Count < MaxBreakdownValues && _segments.TryAdd(value, 0)) return name;
        return string.Concat(name.AsSpan(0, start), OtherValue);
    }

    public long Total(string name) => _totals.TryGetValue(name, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Counters changed since the previous call, added into <paramref name="into"/>.</summary>
    public void TakeDelta(Dictionary<string, long> into)
    {
        lock (_reportLock)
        {
            foreach (var (name, box) in _totals)
            {
                var now = Volatile.Read(ref box.Value);
                var d = now - _reported.GetValueOrDefault(name);
                if (d == 0) continue;
                into[name] = into.GetValueOrDefault(name) + d;
                _reported[name] = now;
            }
        }
    }

    /// <summary>Puts back a delta that could not be reported.</summary>
    public void Restore(CounterSet delta)
    {
        lock (_reportLock)
        {
            foreach (var (name, value) in delta.Counters)
                if (_reported.TryGetValue(name, out var r)) _reported[name] = r - value;
        }
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}
