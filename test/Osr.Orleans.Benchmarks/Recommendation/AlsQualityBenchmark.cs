using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// Ranking quality of ALS vs popularity, with a small hyper-parameter search.
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- als-quality [--data DIR]
/// [--iterations 15] [--ranks 16,32,64] [--lambdas 0.01,0.1,1,10] [--alphas 1,10,40]</c>.
/// <para>online-retail (shared/datasets, found by walking up from the working and base
/// directories, or --data): per-customer time split, the latest 20 % of each customer's lines
/// (customers with ≥ 5 lines) is the test part; the latest 20 % of each customer's remaining
/// lines is the validation part. Every (rank, λ, α) is trained on train-minus-validation and
/// scored on validation (NDCG@10 picks the winner); the winner is retrained on the whole training
/// part and reported on the test part next to popularity. Both weightings are searched:
/// w = purchase lines per pair, and w = Σ log(1 + quantity).</para>
/// <para>Synthetic planted set: 20k users × 4k items × 600k pairs, 32 topics, same split, fixed
/// hyper-parameters (rank 32, λ 1, α 10).</para>
/// </summary>
public static class AlsQualityBenchmark
{
    public static int Run(string[] args)
    {
        var a = new AlsTrainingBenchmark.Args(args);
        var iterations = a.Int("--iterations", 15);
        var ranks = List(a.String("--ranks", "16,32,64"), int.Parse);
        var lambdas = List(a.String("--lambdas", "0.01,0.1,1,10"), s => double.Parse(s, CultureInfo.InvariantCulture));
        var alphas = List(a.String("--alphas", "1,10,40"), s => double.Parse(s, CultureInfo.InvariantCulture));
        var dataDir = a.String("--data", "") is { Length: > 0 } d ? d : FindDataset("online-retail");
        if (dataDir is null)
        {
            Console.Error.WriteLine("shared/datasets/online-retail not found; pass --data DIR");
            return 2;
        }

        Console.WriteLine($"online-retail from {dataDir}; {iterations} iterations, CG 3 steps");
        foreach (var logQuantity in new[] { false, true })
        {
            var weighting = logQuantity ? "w = Σ log(1 + quantity)" : "w = purchase lines per pair";
            var (users, items, interactions) = Load(Path.Combine(dataDir, "interactions.csv.gz"), logQuantity);
            var outer = AlsEvaluation.SplitByTime(interactions, 0.2, 5);
            var inner = AlsEvaluation.SplitByTime(outer.Train, 0.2, 5);
            var innerTrain = InteractionMatrix.FromInteractions(users, items, inner.Train);
            Console.WriteLine($"\n{weighting}: {users} users, {items} items; train {outer.Train.Length} lines (inner {inner.Train.Length}, validation {inner.Test.Length}), test {outer.Test.Length}");
            Console.WriteLine("rank | λ | α | val recall@10 | val NDCG@10 | s");
            (AlsOptions Options, RankingMetrics Metrics)? best = null;
            foreach (var rank in ranks)
            {
                foreach (var lambda in lambdas)
                {
                    foreach (var alpha in alphas)
                    {
                        var options = new AlsOptions { Rank = rank, Lambda = lambda, Alpha = alpha, Iterations = iterations, Seed = 1, ComputeLoss = false };
                        var clock = Stopwatch.StartNew();
                        var factors = ImplicitAlsTrainer.Train(innerTrain, options);
                        var m = AlsEvaluation.EvaluateAls(innerTrain, inner.Test, factors);
                        Console.WriteLine(FormattableString.Invariant($"{rank} | {lambda} | {alpha} | {m.Recall:F4} | {m.Ndcg:F4} | {clock.Elapsed.TotalSeconds:F1}"));
                        if (best is null || m.Ndcg > best.Value.Metrics.Ndcg)
                        {
                            best = (options, m);
                        }
                    }
                }
            }

            var chosen = best!.Value.Options;
            var train = InteractionMatrix.FromInteractions(users, items, outer.Train);
            var final = ImplicitAlsTrainer.Train(train, chosen);
            var als = AlsEvaluation.EvaluateAls(train, outer.Test, final);
            var popularity = AlsEvaluation.EvaluatePopularity(train, outer.Test);
            Console.WriteLine(FormattableString.Invariant($"chosen on validation: rank {chosen.Rank}, λ {chosen.Lambda}, α {chosen.Alpha}"));
            Console.WriteLine($"test ALS:        {als}");
            Console.WriteLine($"test popularity: {popularity}");

            Console.WriteLine("solver at the chosen hyper-parameters (test split): solver | recall@10 | NDCG@10 | final loss | s");
            foreach (var (solver, steps) in new[] { (AlsSolver.ConjugateGradient, 1), (AlsSolver.ConjugateGradient, 2), (AlsSolver.ConjugateGradient, 3), (AlsSolver.ConjugateGradient, 5), (AlsSolver.Cholesky, 0) })
            {
                var options = chosen with { Solver = solver, CgSteps = Math.Max(1, steps), ComputeLoss = true };
                var loss = double.NaN;
                var clock = Stopwatch.StartNew();
                var f = ImplicitAlsTrainer.Train(train, options, new AlsTrainingBenchmark.SyncProgress(p => loss = p.Loss));
                var seconds = clock.Elapsed.TotalSeconds;
                var m = AlsEvaluation.EvaluateAls(train, outer.Test, f);
                var name = solver == AlsSolver.Cholesky ? "Cholesky" : $"CG {steps}";
                Console.WriteLine(FormattableString.Invariant($"{name} | {m.Recall:F4} | {m.Ndcg:F4} | {loss:G6} | {seconds:F1}"));
            }
        }

        Console.WriteLine("\nsynthetic planted (20k users × 4k items × 600k, 32 topics), rank 32, λ 1, α 10:");
        var synthetic = SyntheticInteractions.Generate(new SyntheticOptions { Users = 20_000, Items = 4000, Interactions = 600_000, Topics = 32, Seed = 5 });
        var split = AlsEvaluation.SplitByTime(synthetic.Interactions, 0.2, 5);
        var strain = InteractionMatrix.FromInteractions(20_000, 4000, split.Train);
        var sf = ImplicitAlsTrainer.Train(strain, new AlsOptions { Rank = 32, Lambda = 1, Alpha = 10, Iterations = iterations, Seed = 1 });
        Console.WriteLine($"test ALS:        {AlsEvaluation.EvaluateAls(strain, split.Test, sf)}");
        Console.WriteLine($"test popularity: {AlsEvaluation.EvaluatePopularity(strain, split.Test)}");
        return 0;
    }

    internal static (int Users, int Items, Interaction[] Interactions) Load(string path, bool logQuantity)
    {
        var log = new InteractionLog();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        if (reader.ReadLine() != "user_id,item_id,timestamp,quantity,invoice_no")
        {
            throw new InvalidDataException($"{path}: unexpected header");
        }

        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',');
            var quantity = double.Parse(f[3], CultureInfo.InvariantCulture);
            log.Add(f[0], f[1], logQuantity ? (float)Math.Log(1 + quantity) : 1f, DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        }

        return (log.Users.Count, log.Items.Count, log.Interactions.ToArray());
    }

    internal static string? FindDataset(string name)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "datasets", name);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static T[] List<T>(string csv, Func<string, T> parse) => csv.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(parse).ToArray();
}
