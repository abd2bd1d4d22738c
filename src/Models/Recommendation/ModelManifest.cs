namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// manifest.json of a stored model (System.Text.Json, camelCase): what was trained, on which
/// data, how well it ranks. Metric keys: "recall@10", "precision@10", "ndcg@10", "map@10",
/// "coverage@10", the same prefixed "popularity." for the baseline on the same split.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.model-manifest")]
public sealed record ModelManifest(
    [property: Id(0)] string Version,
    [property: Id(1)] string Kind,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DataWindow DataWindow,
    [property: Id(4)] ModelCounts Counts,
    [property: Id(5)] AlsHyperParameters HyperParameters,
    [property: Id(6)] IReadOnlyDictionary<string, double> Metrics,
    [property: Id(7)] double TrainingSeconds,
    [property: Id(8)] string CodeVersion)
{
    /// <summary>Layout version of the model directory this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The kind of an implicit-ALS model.</summary>
    public const string AlsKind = "als";

    /// <summary>Layout version of the directory (<see cref="CurrentFormatVersion"/>).</summary>
    [Id(9)] public int FormatVersion { get; init; } = CurrentFormatVersion;
}

/// <summary>Time range of the training interactions (UTC); From/To are the first and last timestamps.</summary>
[GenerateSerializer, Immutable, Alias("osr.data-window")]
public sealed record DataWindow([property: Id(0)] DateTimeOffset From, [property: Id(1)] DateTimeOffset To);

/// <summary>Users and items with factors, and interactions (events) the final model was trained on.</summary>
[GenerateSerializer, Immutable, Alias("osr.model-counts")]
public sealed record ModelCounts([property: Id(0)] int Users, [property: Id(1)] int Items, [property: Id(2)] long Interactions);

/// <summary>
/// ALS hyper-parameters as trained (<see cref="AlsOptions"/>) plus how interaction weights w
/// were formed (free text, e.g. "action weights summed per pair").
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.als-hyper-parameters")]
public sealed record AlsHyperParameters(
    [property: Id(0)] int Rank,
    [property: Id(1)] double Lambda,
    [property: Id(2)] double Alpha,
    [property: Id(3)] int Iterations,
    [property: Id(4)] int Seed,
    [property: Id(5)] string Solver,
    [property: Id(6)] int CgSteps,
    [property: Id(7)] string Weighting)
{
    public static AlsHyperParameters From(AlsOptions options, string weighting)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.Rank, options.Lambda, options.Alpha, options.Iterations, options.Seed, options.Solver.ToString(), options.CgSteps, weighting);
    }

    public AlsOptions ToOptions() => new()
    {
        Rank = Rank,
        Lambda = Lambda,
        Alpha = Alpha,
        Iterations = Iterations,
        Seed = Seed,
        Solver = Enum.Parse<AlsSolver>(Solver),
        CgSteps = CgSteps,
    };
}
