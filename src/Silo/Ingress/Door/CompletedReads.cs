namespace Osr.Orleans.Silo.Ingress.Door;

/// <summary>
/// Completed <see cref="Task{TResult}"/>s of read lengths, shared: a read that completes at once returns one of these
/// instead of a new task per read (the runtime itself caches only −1 to 8). Made on first use, up to
/// <see cref="MaxCached"/> bytes (≈ 70 B each); longer reads get a new task.
/// </summary>
internal static class CompletedReads
{
    public const int MaxCached = 1024;

    private static readonly Task<int>?[] Tasks = new Task<int>?[MaxCached + 1];

    public static Task<int> Of(int read) =>
        read is >= 0 and <= MaxCached ? Tasks[read] ??= Task.FromResult(read) : Task.FromResult(read);
}
