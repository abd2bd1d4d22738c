using System.Collections.Concurrent;
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

    public void Add(string name, long n = 1) => Interlocked.Add(ref _totals.GetOrAdd(name, static _ => new StrongBox()).Value, n);

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
