namespace Osr.Orleans.Models.Readings;

/// <summary>What <see cref="SeqWindow.Check"/> says of one reading's <c>seq</c>.</summary>
public enum SeqVerdict : byte
{
    /// <summary>Not seen before: apply it.</summary>
    Fresh = 0,

    /// <summary>Seen before (inside the window): acknowledge, don't apply.</summary>
    Duplicate,

    /// <summary>Below the window: it cannot be told apart from a duplicate, so it is treated as one.</summary>
    TooOld,
}

/// <summary>
/// A device's dedupe position: the highest <c>seq</c> seen (<see cref="Last"/>) and which of the
/// <see cref="Size"/> seqs <c>Last, Last − 1, …, Last − 63</c> were seen (<see cref="Seen"/>, bit i = seq
/// <c>Last − i</c>). A seq above <see cref="Last"/> is fresh; one inside the window is fresh once; one below the
/// window is too old. So messages of one device that arrive reordered (several silos consuming one external
/// broker) are each applied once, as long as none is overtaken by 64 or more seqs.
/// <para>A position stored before the window existed has no bitmap: <see cref="FromLegacy"/> marks the whole
/// window seen, which is exactly the old rule "seq ≤ last is a duplicate".</para>
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.seq-window")]
public readonly record struct SeqWindow([property: Id(0)] long Last, [property: Id(1)] ulong Seen)
{
    /// <summary>Seqs the window remembers below and including <see cref="Last"/>.</summary>
    public const int Size = 64;

    /// <summary>Nothing seen yet (a new device or a new sequence epoch).</summary>
    public static SeqWindow Empty => new(-1, 0);

    /// <summary>A position stored as only the last seq: everything at or below it counts as seen.</summary>
    public static SeqWindow FromLegacy(long last) => last < 0 ? Empty : new(last, ulong.MaxValue);

    public bool IsEmpty => Last < 0;

    public SeqVerdict Check(long seq)
    {
        if (seq > Last) return SeqVerdict.Fresh;
        var back = Last - seq;
        if (back >= Size) return SeqVerdict.TooOld;
        return (Seen & (1UL << (int)back)) != 0 ? SeqVerdict.Duplicate : SeqVerdict.Fresh;
    }

    /// <summary>The window with <paramref name="seq"/> marked seen (sliding up when it is above <see cref="Last"/>).</summary>
    public SeqWindow Mark(long seq)
    {
        if (seq > Last)
        {
            var shift = seq - Last;
            var seen = Last < 0 || shift >= Size ? 0UL : Seen << (int)shift;
            return new(seq, seen | 1UL);
        }
        var back = Last - seq;
        return back >= Size ? this : this with { Seen = Seen | (1UL << (int)back) };
    }
}

/// <summary>Which readings of a message a device's <see cref="SeqWindow"/> lets through (the dedupe of <see cref="Ingress.DeviceIntake"/>).</summary>
public static class FreshReadings
{
    /// <summary>
    /// The readings of <paramref name="readings"/> not seen by <paramref name="window"/>, in seq order, each once;
    /// <paramref name="next"/> is the window with them marked (to keep once they are applied). Returns the input array
    /// itself when it is already in seq order and entirely fresh (the common case: no allocation).
    /// </summary>
    public static Reading[] Select(Reading[] readings, SeqWindow window, out int duplicates, out SeqWindow next)
    {
        ArgumentNullException.ThrowIfNull(readings);
        duplicates = 0;
        var fastPath = true;
        var w = window;
        var prev = long.MinValue;
        foreach (ref readonly var r in readings.AsSpan())
        {
            if (r.Seq <= prev || w.Check(r.Seq) != SeqVerdict.Fresh) { fastPath = false; break; }
            w = w.Mark(r.Seq);
            prev = r.Seq;
        }
        if (fastPath)
        {
            next = w;
            return readings;
        }

        // In seq order, so that a message's own lower seqs are judged before its higher ones slide the window.
        var copy = (Reading[])readings.Clone();
        Array.Sort(copy, static (a, b) => a.Seq.CompareTo(b.Seq));
        var n = 0;
        w = window;
        foreach (var r in copy)
        {
            if (w.Check(r.Seq) != SeqVerdict.Fresh) { duplicates++; continue; }
            w = w.Mark(r.Seq);
            copy[n++] = r;
        }
        next = w;
        return n == copy.Length ? copy : copy[..n];
    }
}
