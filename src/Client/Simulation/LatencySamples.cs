using System.Globalization;
using System.Text;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Every latency of the measured window, raw (microseconds), for <c>simulate --latency-samples FILE</c>: preallocated
/// arrays filled lock-free by an interlocked index, so recording costs about what <see cref="LatencyHistogram.Record"/>
/// costs and never allocates; samples beyond the capacity are counted in <see cref="Dropped"/>, not kept. With a clock,
/// each sample also keeps the send time its latency is measured from (Unix ms: the intended one with
/// <c>--latency-from intended</c>, else when the publish started), so a run can be cut into periods afterwards
/// (e.g. the flood-control benchmark's phases with and without a flooding device).
/// </summary>
public sealed class LatencySamples
{
    private readonly long[] _values;
    private readonly long[]? _sentUnixMs;
    private readonly TimeProvider? _time;
    private readonly long _originTimestamp;
    private readonly long _originUnixMs;
    private long _next;

    /// <param name="capacity">Samples kept at most.</param>
    /// <param name="time">When given, <see cref="Record(long, long)"/> also keeps the send time each latency is measured from.</param>
    public LatencySamples(int capacity, TimeProvider? time = null)
    {
        _values = new long[capacity];
        if (time is null) return;
        _time = time;
        _sentUnixMs = new long[capacity];
        _originTimestamp = time.GetTimestamp();
        _originUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>Samples kept.</summary>
    public int Count => (int)Math.Min(Volatile.Read(ref _next), _values.Length);

    /// <summary>Samples that did not fit.</summary>
    public long Dropped => Math.Max(0, Volatile.Read(ref _next) - _values.Length);

    /// <summary>A latency of <paramref name="micros"/> that ended at <paramref name="endTimestamp"/> (<see cref="TimeProvider.GetTimestamp"/> units; only read with a clock).</summary>
    public void Record(long micros, long endTimestamp = long.MinValue)
    {
        var i = Interlocked.Increment(ref _next) - 1;
        if (i >= _values.Length) return;
        _values[i] = micros;
        if (_sentUnixMs is not null && endTimestamp != long.MinValue)
            _sentUnixMs[i] = _originUnixMs + (long)_time!.GetElapsedTime(_originTimestamp, endTimestamp).TotalMilliseconds - micros / 1000;
    }

    /// <summary>
    /// Writes the kept samples in the order they were recorded, one per line: the latency (µs), and with a clock a tab and
    /// the send time it is measured from (Unix ms; 0 when the sample came without its end time). Call once recording ended.
    /// </summary>
    public async Task WriteAsync(string path, CancellationToken ct)
    {
        var text = new StringBuilder(Count * (_sentUnixMs is null ? 7 : 21));
        for (var i = 0; i < Count; i++)
        {
            text.Append(_values[i].ToString(CultureInfo.InvariantCulture));
            if (_sentUnixMs is not null) text.Append('\t').Append(_sentUnixMs[i].ToString(CultureInfo.InvariantCulture));
            text.Append('\n');
        }

        await File.WriteAllTextAsync(path, text.ToString(), ct).ConfigureAwait(false);
    }

    /// <summary>Room for every message of a window of <paramref name="seconds"/> at <paramref name="messagesPerSecond"/>, with a quarter to spare.</summary>
    public static int CapacityFor(double messagesPerSecond, double seconds) =>
        (int)Math.Min(Array.MaxLength, Math.Ceiling(messagesPerSecond * seconds * 1.25) + 1024);
}
