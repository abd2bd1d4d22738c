namespace Osr.Orleans.UnitTests;

/// <summary>Measuring what code allocates on the test's thread, for the "does not allocate" tests.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes allocated on this thread by one run of <paramref name="action"/>, the least of up to
    /// <paramref name="rounds"/> runs (stopping at 0). An allocation of the code under test recurs in
    /// every run; a one-off of the runtime on this thread (tiered JIT, on-stack replacement) does not,
    /// and failed a single-run measurement now and then.
    /// </summary>
    public static long Least(Action action, int rounds = 5)
    {
        var least = long.MaxValue;
        for (var i = 0; i < rounds && least != 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
