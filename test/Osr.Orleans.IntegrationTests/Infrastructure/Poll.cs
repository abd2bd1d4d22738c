using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// The one bounded wait of the integration tests: checks a condition every <see cref="Interval"/>
/// of real time until it holds, and fails with <c>because</c> after <c>timeout</c> (default 20 s).
/// For waits on something another process or thread does (a silo, a broker, a database);
/// waits on time itself move a <c>FakeTimeProvider</c> instead.
/// </summary>
internal static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static Task UntilAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), because, timeout);

    public static async Task UntilAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (watch.Elapsed > limit) throw new TimeoutException($"not reached within {limit.TotalSeconds:0.#} s: {because}");
            await Task.Delay(Interval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The same wait, woken early by <paramref name="signal"/> (a request reached a receiver, …) and, when
    /// <paramref name="time"/> and <paramref name="step"/> are given, moving the fake clock by one step each round.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string because, SemaphoreSlim signal,
        FakeTimeProvider? time = null, TimeSpan? step = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit) throw new TimeoutException($"not reached within {limit.TotalSeconds:0.#} s: {because}");
            if (time is not null && step is { } s) time.Advance(s);
            await signal.WaitAsync(Interval).ConfigureAwait(false);
        }
    }

    /// <summary>Like <see cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?)"/>, returning the first value <paramref name="probe"/> accepts.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, string because, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe().ConfigureAwait(false);
            if (accept(value)) return value;
            if (watch.Elapsed > limit) throw new TimeoutException($"not reached within {limit.TotalSeconds:0.#} s: {because} (last: {value})");
            await Task.Delay(Interval).ConfigureAwait(false);
        }
    }
}
