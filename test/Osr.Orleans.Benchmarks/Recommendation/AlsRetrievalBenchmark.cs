using System.Diagnostics;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// Per-call latency distribution (mean, p50, p99, max) of top-10 retrieval at rank 64 over 10k and
/// 100k items and of fold-in with 50 interactions, single-threaded, timed call by call with
/// <see cref="Stopwatch"/> after a 1 s warm-up (BenchmarkDotNet's <see cref="TopNBenchmarks"/> and
/// <see cref="FoldInBenchmarks"/> give the means and allocations).
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- als-topn [--calls 20000]</c>.
/// </summary>
public static class AlsRetrievalBenchmark
{
    private const int Rank = 64;

    public static int Run(string[] args)
    {
        var a = new AlsTrainingBenchmark.Args(args);
        var calls = a.Int("--calls", 20_000);
        Console.WriteLine($"SIMD {SimdDispatch.Best}, rank {Rank}, {calls} calls each, 1 thread");
        foreach (var items in new[] { 10_000, 100_000 })
        {
            var rng = new Random(items);
            var y = Factors(rng, items * Rank, 0.3f);
            var users = Factors(rng, 256 * Rank, 1f);
            var exclude = Enumerable.Range(0, 20).Select(_ => rng.Next(items)).ToArray();
            var scores = new float[items];
            var result = new ScoredItem[10];
            var index = ItemFactorIndex.Create(y, Rank);
            var u = 0;
            Report($"top-10 of {items:N0} items, row-major", calls, () =>
            {
                u = (u + 1) & 255;
                TopN.Select(y, Rank, users.AsSpan(u * Rank, Rank), result, scores, exclude);
            });
            Report($"top-10 of {items:N0} items, packed index", calls, () =>
            {
                u = (u + 1) & 255;
                TopN.Select(index, users.AsSpan(u * Rank, Rank), result, scores, exclude);
            });
        }

        {
            var rng = new Random(3);
            const int Items = 10_000;
            var y = Factors(rng, Items * Rank, 0.3f);
            var foldIn = new FoldIn(y, Rank, 0.1, 10);
            var scratch = new double[foldIn.ScratchLength];
            var x = new float[Rank];
            var histories = Enumerable.Range(0, 64)
                .Select(_ => Enumerable.Range(0, Items).OrderBy(_ => rng.Next()).Take(50).Order().ToArray())
                .ToArray();
            var weights = Enumerable.Repeat(2f, 50).ToArray();
            var n = 0;
            Report("fold-in, 50 interactions", calls, () =>
            {
                n = (n + 1) & 63;
                foldIn.Compute(histories[n], weights, x, scratch);
            });
        }

        return 0;
    }

    private static float[] Factors(Random rng, int length, float scale)
    {
        var f = new float[length];
        for (var n = 0; n < f.Length; n++)
        {
            f[n] = (float)(rng.NextDouble() - 0.5) * scale;
        }

        return f;
    }

    private static void Report(string name, int calls, Action call)
    {
        // Warm up for ≥ 1 s so that tiered compilation has produced optimised code.
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < TimeSpan.FromSeconds(1))
        {
            call();
        }

        var ticks = new long[calls];
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var n = 0; n < calls; n++)
        {
            var start = Stopwatch.GetTimestamp();
            call();
            ticks[n] = Stopwatch.GetTimestamp() - start;
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Array.Sort(ticks);
        double Us(long t) => t * 1e6 / Stopwatch.Frequency;
        Console.WriteLine(
            $"{name}: mean {ticks.Average(t => Us(t)):F1} µs, p50 {Us(ticks[calls / 2]):F1} µs, p99 {Us(ticks[(int)(calls * 0.99)]):F1} µs, " +
            $"max {Us(ticks[^1]):F1} µs, {allocated / (double)calls:F0} B allocated per call");
    }
}
