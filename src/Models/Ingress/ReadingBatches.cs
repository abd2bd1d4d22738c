using System.Collections.Concurrent;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Models.Ingress;

/// <summary>
/// Exact-length arrays for the readings of one message on their way to the owner's grain (docs/architecture.md, hot
/// path): the grain call takes a <see cref="Reading"/>[] of the message's own length, passed without a copy, which the
/// grain reads during the call and does not keep. So once the call has returned the ingress gives the array back here
/// and the next message of the same length reuses it, instead of a new array per message. Messages of up to
/// <see cref="MaxLength"/> readings (nearly all: one reading each, a few more when a device catches up) are served
/// from the pool; longer ones get a new array. At most <see cref="MaxPerLength"/> free arrays are kept per length.
/// </summary>
public sealed class ReadingBatches
{
    /// <summary>The longest batch kept for reuse.</summary>
    public const int MaxLength = 4;

    /// <summary>Free arrays kept per length (about 0.4 MB in all at most).</summary>
    public const int MaxPerLength = 512;

    private readonly ConcurrentQueue<Reading[]>[] _free = new ConcurrentQueue<Reading[]>[MaxLength + 1];
    private readonly int[] _count = new int[MaxLength + 1];

    public ReadingBatches()
    {
        for (var n = 1; n <= MaxLength; n++) _free[n] = new ConcurrentQueue<Reading[]>();
    }

    /// <summary>Free arrays kept for batches of <paramref name="length"/> readings now.</summary>
    internal int FreeCount(int length) => length is >= 1 and <= MaxLength ? Volatile.Read(ref _count[length]) : 0;

    /// <summary>An array of exactly <paramref name="readings"/>' length holding them in order; a reused one when one is free.</summary>
    public Reading[] Rent(List<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var n = readings.Count;
        Reading[]? batch = null;
        if (n is >= 1 and <= MaxLength && _free[n].TryDequeue(out batch)) Interlocked.Decrement(ref _count[n]);
        batch ??= new Reading[n];
        readings.CopyTo(batch);
        return batch;
    }

    /// <summary>
    /// Gives back an array from <see cref="Rent"/> once nothing reads it any more (the grain call returned); at most once
    /// per rent. A call that failed may still be running, so its array is not given back.
    /// </summary>
    public void Return(Reading[] batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var n = batch.Length;
        if (n is < 1 or > MaxLength) return;
        if (Interlocked.Increment(ref _count[n]) > MaxPerLength)
        {
            Interlocked.Decrement(ref _count[n]);
            return;
        }
        _free[n].Enqueue(batch);
    }
}
