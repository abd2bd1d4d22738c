namespace Osr.Orleans.Models.Metrics;

/// <summary>
/// The last <see cref="Seconds"/> seconds of <see cref="LagBuckets"/> counts: a ring of one bucket array per
/// second. Deltas reported in the same second add up; a slot is reused (cleared) when its second comes round
/// again, so the window always covers (now − Seconds, now]. The caller supplies the second (Unix seconds).
/// </summary>
public sealed class LagWindow
{
    public const int Seconds = 60;

    private readonly long[][] _slots = new long[Seconds][];
    private readonly long[] _stamps = new long[Seconds];

    public LagWindow()
    {
        for (var i = 0; i < Seconds; i++)
        {
            _slots[i] = new long[LagBuckets.Count];
            _stamps[i] = long.MinValue;
        }
    }

    /// <summary>Adds a delta of bucket counts at second <paramref name="second"/>; a delta older than the window is dropped.</summary>
    public void Add(long second, ReadOnlySpan<long> delta)
    {
        var slot = (int)(((second % Seconds) + Seconds) % Seconds);
        if (_stamps[slot] != second)
        {
            if (_stamps[slot] > second) return; // older than what the slot holds now: outside the window
            Array.Clear(_slots[slot]);
            _stamps[slot] = second;
        }

        LagBuckets.Add(_slots[slot], delta);
    }

    /// <summary>The bucket counts of the seconds in (<paramref name="now"/> − <see cref="Seconds"/>, <paramref name="now"/>].</summary>
    public long[] Sum(long now)
    {
        var sum = new long[LagBuckets.Count];
        for (var i = 0; i < Seconds; i++)
        {
            var s = _stamps[i];
            if (s <= now && now - s < Seconds) LagBuckets.Add(sum, _slots[i]);
        }

        return sum;
    }
}
