namespace Osr.Orleans.Models.Door;

/// <summary>
/// Failed logins per key (a remote address): the first <c>freeFailures</c> consecutive failures cost nothing; from
/// then on every attempt is refused, without checking the credentials, until <see cref="Delay"/> after the last
/// failure; the delay doubles with each further failure up to <see cref="MaxDelay"/>. A success clears the key;
/// a key whose lock expired long ago (<see cref="ForgetAfter"/> after its last failure) is forgotten. At most
/// <c>capacity</c> keys are kept: when full, forgotten keys are dropped first; if that frees nothing, the eighth of
/// the keys with the fewest failures (the oldest first) make room, so a flood of new keys cannot stop the table from
/// tracking, and the keys with the most failures — the persistent ones — are the last to go. Thread-safe.
/// </summary>
public sealed class LoginBackoff<TKey> where TKey : notnull
{
    private readonly int freeFailures;
    private readonly int capacity;

    public LoginBackoff(int freeFailures, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(freeFailures);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        this.freeFailures = freeFailures;
        this.capacity = capacity;
    }

    public const int DefaultFreeFailures = 5;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    private readonly record struct Entry(int Failures, long LastFailureMs);

    private readonly Dictionary<TKey, Entry> _entries = [];
    private (int Failures, long LastFailureMs)[]? _ranks;
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
            if (_entries.Count >= capacity) EvictWeakest(Math.Max(1, capacity / 8));
            _entries[key] = new Entry(1, nowMs);
        }
    }

    public void Success(TKey key)
    {
        lock (_gate) _entries.Remove(key);
    }

    /// <summary>Drops about <paramref name="count"/> keys with the fewest failures, the longest ago first (one sort per eighth of the table filled).</summary>
    private void EvictWeakest(int count)
    {
        var ranks = _ranks ??= new (int, long)[capacity];
        var n = 0;
        foreach (var e in _entries.Values) ranks[n++] = (e.Failures, e.LastFailureMs);
        Array.Sort(ranks, 0, n);
        var cutoff = ranks[Math.Min(count, n) - 1];
        var removed = 0;
        foreach (var (key, e) in _entries)
        {
            if (removed == count) break;
            if ((e.Failures, e.LastFailureMs).CompareTo(cutoff) > 0) continue;
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
