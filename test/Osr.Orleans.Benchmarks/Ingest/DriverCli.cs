namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>What the load-test drivers (<c>ingest</c>, <c>decisions</c>, <c>cluster</c>) share on their command line.</summary>
internal static class DriverCli
{
    /// <summary>
    /// The plan <paramref name="choose"/> makes of the arguments; null with an exit code after printing the usage: 0 for
    /// <c>--help</c> or no arguments, 2 when <paramref name="choose"/> finds no mode (returns null) or throws <see cref="FormatException"/>.
    /// </summary>
    public static async Task<(T? Plan, int Exit)> ChoosePlanAsync<T>(Args a, int argumentCount, string usage, Func<Args, T?> choose) where T : class
    {
        try
        {
            if (choose(a) is { } plan) return (plan, 0);
            await Console.Error.WriteLineAsync(usage).ConfigureAwait(false);
            return (null, a.Has("--help") || argumentCount == 0 ? 0 : 2);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n" + usage).ConfigureAwait(false);
            return (null, 2);
        }
    }

    /// <summary>
    /// A token that Ctrl+C cancels (the driver then stops what it started and reports); when the process exits, every child
    /// process still running is killed by PID, then <paramref name="alsoOnExit"/> runs.
    /// </summary>
    public static CancellationTokenSource CancelOnCtrlC(Action? alsoOnExit = null)
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            ChildProcess.KillAll();
            alsoOnExit?.Invoke();
        };
        return cts;
    }
}
