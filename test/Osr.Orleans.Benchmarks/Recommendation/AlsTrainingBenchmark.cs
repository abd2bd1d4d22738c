using System.Diagnostics;
using System.Globalization;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// Timed console benchmark of ALS training (not BenchmarkDotNet: one run takes seconds to
/// minutes). <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- als-train
/// [--users 100000] [--items 10000] [--interactions 5000000] [--rank 64] [--iterations 5]
/// [--threads 2] [--cg-steps 3] [--solvers cg,cholesky,naive] [--naive-users 2000] [--double]</c>.
/// Generates the power-law synthetic set (<see cref="SyntheticInteractions"/>), then trains
/// each solver on it and prints seconds per iteration, total, process peak working set,
/// effective GFLOP/s (flops counted below) and core-µs per stored pair per iteration. The naive
/// single-threaded MathNet reference runs on the first <c>--naive-users</c> users only (all
/// their interactions, all items) and is reported per stored pair.
/// <para>Flops per iteration (users then items; n = stored pairs, R = users + items, k = rank, s = CG steps):
/// CG: Gram 2·(users + items)·k(k+1)/2·… = R·k(k+1) + (s+1)·(2k²·R + 4k·2n) + loss 2k·n;
/// Cholesky: R·k(k+1) + 2n·(k(k+1) + 4k) + R·(k³/3 + 2k²) + loss 2k·n;
/// naive (dense k×k per row): 2n·(2k² + 2k) + R·(k³/3 + 2k²).</para>
/// </summary>
public static class AlsTrainingBenchmark
{
    public static int Run(string[] args)
    {
        var a = new Args(args);
        var users = a.Int("--users", 100_000);
        var items = a.Int("--items", 10_000);
        var interactions = a.Int("--interactions", 5_000_000);
        var rank = a.Int("--rank", 64);
        var iterations = a.Int("--iterations", 5);
        var threads = a.Int("--threads", Environment.ProcessorCount);
        var cgSteps = a.Int("--cg-steps", 3);
        var naiveUsers = a.Int("--naive-users", 2_000);
        var useDouble = a.Flag("--double");
        var solvers = a.String("--solvers", "cg,cholesky,naive").Split(',', StringSplitOptions.RemoveEmptyEntries);

        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, SIMD {SimdDispatch.Best}");
        var clock = Stopwatch.StartNew();
        var data = SyntheticInteractions.Generate(new SyntheticOptions
        {
            Users = users, Items = items, Interactions = interactions, Topics = 32, Seed = 7,
        });
        var matrix = data.ToMatrix();
        Console.WriteLine(
            $"data: {users} users × {items} items, {matrix.NonZeros} stored pairs (max {matrix.MaxRowCount} per user, {matrix.MaxColumnCount} per item), " +
            $"generated in {clock.Elapsed.TotalSeconds:F1} s");

        foreach (var solver in solvers)
        {
            GC.Collect();
            switch (solver)
            {
                case "cg":
                    Time($"CG ({cgSteps} steps){(useDouble ? ", double" : "")}", matrix, rank, iterations, useDouble,
                        new AlsOptions { Rank = rank, Iterations = iterations, Solver = AlsSolver.ConjugateGradient, CgSteps = cgSteps, MaxDegreeOfParallelism = threads, Lambda = 0.1, Alpha = 10 },
                        CgFlops(matrix, rank, cgSteps), threads);
                    break;
                case "cholesky":
                    Time($"Cholesky (exact){(useDouble ? ", double" : "")}", matrix, rank, iterations, useDouble,
                        new AlsOptions { Rank = rank, Iterations = iterations, Solver = AlsSolver.Cholesky, MaxDegreeOfParallelism = threads, Lambda = 0.1, Alpha = 10 },
                        CholeskyFlops(matrix, rank), threads);
                    break;
                case "naive":
                    var subset = data.Interactions.Where(x => x.User < naiveUsers).ToArray();
                    var small = InteractionMatrix.FromInteractions(naiveUsers, items, subset);
                    var options = new AlsOptions { Rank = rank, Iterations = 1, Lambda = 0.1, Alpha = 10, ComputeLoss = false };
                    var started = clock.Elapsed.TotalSeconds;
                    NaiveAlsReference.Train(small, options);
                    var seconds = clock.Elapsed.TotalSeconds - started;
                    var flops = NaiveFlops(small, rank);
                    Console.WriteLine(
                        $"naive MathNet, 1 thread, subsample {naiveUsers} users / {small.NonZeros} pairs: {seconds:F2} s per iteration, " +
                        $"{flops / seconds / 1e9:F2} GFLOP/s, {seconds * 1e6 / small.NonZeros:F2} core-µs per pair per iteration " +
                        $"(≈ {seconds * matrix.NonZeros / small.NonZeros:F0} s per iteration on the full set)");
                    break;
                default:
                    Console.Error.WriteLine($"unknown solver '{solver}' (cg, cholesky, naive)");
                    return 2;
            }
        }

        return 0;
    }

    private static void Time(string name, InteractionMatrix matrix, int rank, int iterations, bool useDouble, AlsOptions options, double flopsPerIteration, int threads)
    {
        var perIteration = new List<double>();
        var losses = new List<double>();
        var progress = new SyncProgress(p =>
        {
            perIteration.Add(p.IterationSeconds);
            losses.Add(p.Loss);
        });
        var clock = Stopwatch.StartNew();
        if (useDouble)
        {
            ImplicitAlsTrainer.Train<double>(matrix, options, SimdDispatch.Best, progress, CancellationToken.None);
        }
        else
        {
            ImplicitAlsTrainer.Train<float>(matrix, options, SimdDispatch.Best, progress, CancellationToken.None);
        }

        var total = clock.Elapsed.TotalSeconds;
        var steady = perIteration.Count > 1 ? perIteration.Skip(1).Average() : perIteration.Average();
        Console.WriteLine(
            $"{name}, {threads} threads, rank {rank}: {steady:F3} s per iteration (mean of iterations 2…{iterations}; first {perIteration[0]:F3} s), " +
            $"total {total:F2} s incl. Gram setup, peak working set {Environment.WorkingSet / 1e6:F0} MB now / {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB peak, " +
            $"{flopsPerIteration / steady / 1e9:F1} GFLOP/s, {steady * threads * 1e6 / matrix.NonZeros:F3} core-µs per pair per iteration");
        Console.WriteLine("  loss: " + string.Join(", ", losses.Select(l => l.ToString("G6", CultureInfo.InvariantCulture))));
    }

    internal static double CgFlops(InteractionMatrix m, int k, int steps)
    {
        double n = m.NonZeros, rows = m.Rows + m.Columns;
        return (rows * k * (k + 1)) + ((steps + 1) * ((2.0 * k * k * rows) + (4.0 * k * 2 * n))) + (2.0 * k * n);
    }

    internal static double CholeskyFlops(InteractionMatrix m, int k)
    {
        double n = m.NonZeros, rows = m.Rows + m.Columns;
        return (rows * k * (k + 1)) + (2 * n * ((k * (k + 1.0)) + (4.0 * k))) + (rows * ((k * k * k / 3.0) + (2.0 * k * k))) + (2.0 * k * n);
    }

    internal static double NaiveFlops(InteractionMatrix m, int k)
    {
        double n = m.NonZeros, rows = m.Rows + m.Columns;
        return (2 * n * ((2.0 * k * k) + (2.0 * k))) + (rows * ((k * k * k / 3.0) + (2.0 * k * k)));
    }

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    internal sealed class SyncProgress(Action<AlsProgress> report) : IProgress<AlsProgress>
    {
        public void Report(AlsProgress value) => report(value);
    }

    /// <summary>Minimal "--name value" parser.</summary>
    internal sealed class Args(string[] args)
    {
        public int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public double Double(string name, double fallback) => Value(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public string String(string name, string fallback) => Value(name) ?? fallback;

        public bool Flag(string name) => args.Contains(name);

        private string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
    }
}
