namespace Osr.Orleans.Models.Door;

/// <summary>
/// Failed logins per key (a remote address): the first <c>freeFailures</c> consecutive failures cost nothing; from
/// then on every attempt is refused, without checking the credentials, until <see cref="Delay"/> after the last
/// failure; the delay doubles with each further failure up to <see cref="MaxDelay"/>. A success clears the key;
/// a key whose lock expired long ago (<see cref="ForgetAfter"/> after its last failure) is forgotten. At most
/// <c>capacity</c> keys are kept: when full, forgotten keys are dropped first; if that frees nothing, the eighth of
/// the keys whose refusal ends soonest (few failures, or long ago) make room, so a flood of new keys cannot stop the
/// table from tracking, and the keys locked longest — the persistent ones — are the last to go. Thread-safe.
/// </summary>
public sealed class LoginBackoff<TKey>(int freeFailures, int capacity) where TKey : notnull
{
    public const int DefaultFreeFailures = 5;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    private readonly record struct Entry(int Failures, long LastFailureMs);

    private readonly Dictionary<TKey, Entry> _entries = [];
    private readonly object _gate = new();

    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    /// <summary>How long logins stay refused after the <paramref name="failures"/>-th consecutive failure.</summary>
    public TimeSpan Delay(int failures) => Schedule(failures, freeFailures);

    /// <summary>The schedule: nothing for the first <paramref name="freeFailures"/> failures, then 1 s, 2 s, 4 s, … up to <see cref="MaxDelay"/>.</summary>
    public static TimeSpan Schedule(int failures, int freeFailures)
    {
        if (failures < freeFailures) return TimeSpan.Zero;
        var doublings = Math.Min(failures - freeFailures, 30);
        var ms = Math.Min(FirstDelay.TotalMilliseconds * Math.Pow(2, doublings), MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Whether <paramref name="key"/> is refused at <paramref name="nowMs"/>, and for how much longer.</summary>
    public bool IsLocked(TKey key, long nowMs, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var e)) return false;
            var until = e.LastFailureMs + (long)Delay(e.Failures).TotalMilliseconds;
            if (nowMs >= until) return false;
            retryAfter = TimeSpan.FromMilliseconds(until - nowMs);
            return true;
        }
    }

    public void Failure(TKey key, long nowMs)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var e))
            {
                _entries[key] = new Entry(e.Failures + 1, nowMs);
                return;
            }
            if (_entries.Count >= capacity) Sweep(nowMs);
            if (_entries.Count >= capacity) EvictSoonestEnding(Math.Max(1, capacity / 8));
            _entries[key] = new Entry(1, nowMs);
        }
    }

    public void Success(TKey key)
    {
        lock (_gate) _entries.Remove(key);
    }

    private long LockEnd(Entry e) => e.LastFailureMs + (long)Delay(e.Failures).TotalMilliseconds;

    /// <summary>Drops about <paramref name="count"/> keys with the earliest lock end (one sort per eighth of the table filled).</summary>
    private void EvictSoonestEnding(int count)
    {
        var ends = new long[_entries.Count];
        var i = 0;
        foreach (var e in _entries.Values) ends[i++] = LockEnd(e);
        Array.Sort(ends);
        var cutoff = ends[Math.Min(count, ends.Length) - 1];
        var removed = 0;
        foreach (var (key, e) in _entries)
        {
            if (removed == count) break;
            if (LockEnd(e) > cutoff) continue;
            _entries.Remove(key);
            removed++;
        }
    }

    private void Sweep(long nowMs)
    {
        foreach (var (key, e) in _entries)
            if (nowMs - e.LastFailureMs >= (long)(Delay(e.Failures) + ForgetAfter).TotalMilliseconds) _entries.Remove(key);
    }
}
