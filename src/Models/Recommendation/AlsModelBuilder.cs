using System.Diagnostics;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>How <see cref="AlsModelBuilder"/> evaluates and what it writes into the manifest.</summary>
public sealed record AlsBuildOptions
{
    /// <summary>Share of each user's latest interactions held out for evaluation (<see cref="AlsEvaluation.SplitByTime"/>).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Users with fewer interactions stay in training only.</summary>
    public int MinInteractions { get; init; } = 5;

    /// <summary>K of the metrics.</summary>
    public int K { get; init; } = 10;

    /// <summary>After evaluating on the split, train the stored factors on all interactions (default) rather than on the training part.</summary>
    public bool RetrainOnAll { get; init; } = true;

    /// <summary>How interaction weights were formed, recorded in the manifest.</summary>
    public string Weighting { get; init; } = "sum of event weights per (user, item)";

    /// <summary>Items kept per segment popularity ranking.</summary>
    public int SegmentRankingLength { get; init; } = 100;
}

/// <summary>
/// Train → evaluate → package: splits the log per user by time, trains ALS on the training part,
/// evaluates it and the popularity baseline on the held-out part (metrics into the manifest),
/// then (by default) retrains on everything for the stored factors. Pure computation; the caller
/// saves the result with <see cref="ModelStore.Save"/>.
/// </summary>
public static class AlsModelBuilder
{
    /// <param name="log">Interactions with their ids.</param>
    /// <param name="options">ALS hyper-parameters.</param>
    /// <param name="build">Evaluation settings.</param>
    /// <param name="version">Model version name (e.g. <see cref="ModelStore.NewVersion"/>).</param>
    /// <param name="createdAt">Creation time for the manifest.</param>
    /// <param name="itemCategories">Category per item id (missing: none).</param>
    /// <param name="userSegment">Segment per user id (null: none), for segment popularity.</param>
    /// <param name="progress">Iterations of the evaluation training, then of the final training.</param>
    /// <param name="cancellationToken">Stops training.</param>
    public static AlsModel Build(
        InteractionLog log,
        AlsOptions options,
        AlsBuildOptions build,
        string version,
        DateTimeOffset createdAt,
        IReadOnlyDictionary<string, string>? itemCategories = null,
        Func<string, string?>? userSegment = null,
        IProgress<AlsProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        options.Validate();
        var users = log.Users.Count;
        var items = log.Items.Count;

        var split = AlsEvaluation.SplitByTime(log.Interactions, build.TestFraction, build.MinInteractions);
        var train = InteractionMatrix.FromInteractions(users, items, split.Train);
        var clock = Stopwatch.StartNew();
        var evaluated = ImplicitAlsTrainer.Train(train, options, progress, cancellationToken);
        var evaluationSeconds = clock.Elapsed.TotalSeconds;
        var als = AlsEvaluation.EvaluateAls(train, split.Test, evaluated, build.K, options.MaxDegreeOfParallelism);
        var popular = AlsEvaluation.EvaluatePopularity(train, split.Test, build.K, options.MaxDegreeOfParallelism);

        var all = log.ToMatrix();
        var factors = evaluated;
        var trainingSeconds = evaluationSeconds;
        if (build.RetrainOnAll)
        {
            clock.Restart();
            factors = ImplicitAlsTrainer.Train(all, options, progress, cancellationToken);
            trainingSeconds = clock.Elapsed.TotalSeconds;
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in als.Named())
        {
            metrics[key] = value;
        }

        foreach (var (key, value) in popular.Named("popularity."))
        {
            metrics[key] = value;
        }

        metrics["evaluatedUsers"] = als.Users;

        var (from, to) = Window(log.Interactions);
        var manifest = new ModelManifest(
            version,
            ModelManifest.AlsKind,
            createdAt,
            new DataWindow(from, to),
            new ModelCounts(users, items, log.Count),
            AlsHyperParameters.From(options, build.Weighting),
            metrics,
            trainingSeconds,
            ModelStore.CodeVersion);

        var categories = new string[items];
        for (var i = 0; i < items; i++)
        {
            categories[i] = itemCategories is not null && itemCategories.TryGetValue(log.Items[i], out var c) ? c : "";
        }

        var popularity = PopularityRanking.FromMatrix(all);
        var segments = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (userSegment is not null)
        {
            var names = new IdMap();
            var index = new int[users];
            for (var u = 0; u < users; u++)
            {
                var s = userSegment(log.Users[u]);
                index[u] = string.IsNullOrEmpty(s) ? -1 : names.GetOrAdd(s);
            }

            var bySegment = PopularityRanking.FromMatrix(all, index, names.Count);
            for (var s = 0; s < names.Count; s++)
            {
                var ranked = bySegment.RankedInSegment(s);
                segments[names[s]] = ranked[..Math.Min(ranked.Length, build.SegmentRankingLength)].ToArray();
            }
        }

        return new AlsModel(manifest, factors, log.Users, log.Items, categories, popularity.Counts.ToArray(), segments);
    }

    private static (DateTimeOffset From, DateTimeOffset To) Window(ReadOnlySpan<Interaction> interactions)
    {
        if (interactions.IsEmpty)
        {
            return (DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        }

        var min = long.MaxValue;
        var max = long.MinValue;
        foreach (var x in interactions)
        {
            min = Math.Min(min, x.Timestamp);
            max = Math.Max(max, x.Timestamp);
        }

        return (DateTimeOffset.FromUnixTimeMilliseconds(min), DateTimeOffset.FromUnixTimeMilliseconds(max));
    }
}
