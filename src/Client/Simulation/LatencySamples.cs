using System.Globalization;
using System.Text;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Every latency of the measured window, raw (microseconds), for <c>simulate --latency-samples FILE</c>: a preallocated
/// array filled lock-free by an interlocked index, so recording costs about what <see cref="LatencyHistogram.Record"/>
/// costs and never allocates; samples beyond the capacity are counted in <see cref="Dropped"/>, not kept.
/// </summary>
public sealed class LatencySamples(int capacity)
{
    private readonly long[] _values = new long[capacity];
    private long _next;

    /// <summary>Samples kept.</summary>
    public int Count => (int)Math.Min(Volatile.Read(ref _next), _values.Length);

    /// <summary>Samples that did not fit.</summary>
    public long Dropped => Math.Max(0, Volatile.Read(ref _next) - _values.Length);

    public void Record(long micros)
    {
        var i = Interlocked.Increment(ref _next) - 1;
        if (i < _values.Length) _values[i] = micros;
    }

    /// <summary>Writes the kept samples, one integer (µs) per line, in the order they were recorded. Call once recording ended.</summary>
    public async Task WriteAsync(string path, CancellationToken ct)
    {
        var text = new StringBuilder(Count * 7);
        for (var i = 0; i < Count; i++) text.Append(_values[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        await File.WriteAllTextAsync(path, text.ToString(), ct).ConfigureAwait(false);
    }

    /// <summary>Room for every message of a window of <paramref name="seconds"/> at <paramref name="messagesPerSecond"/>, with a quarter to spare.</summary>
    public static int CapacityFor(double messagesPerSecond, double seconds) =>
        (int)Math.Min(Array.MaxLength, Math.Ceiling(messagesPerSecond * seconds * 1.25) + 1024);
}
