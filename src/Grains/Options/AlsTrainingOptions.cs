using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// How ALS models are trained, stored and promoted (sections <c>Osr:Als</c> and
/// <c>Osr:Models</c>). Defaults are the result of the hyper-parameter search on the
/// online-retail data (docs/recommendation.md, "Quality": rank 64, λ 10, α 1, CG 3 steps).
/// </summary>
public sealed class AlsTrainingOptions
{
    public const string Section = "Osr:Als";

    public int Rank { get; set; } = 64;
    public double Lambda { get; set; } = 10;
    public double Alpha { get; set; } = 1;
    public int Iterations { get; set; } = 15;
    public int CgSteps { get; set; } = 3;
    public int Seed { get; set; } = 1;

    /// <summary>Confidence weight w of each action (c = 1 + α·w, summed per user and item).</summary>
    public Dictionary<string, float> Weights { get; set; } = new(StringComparer.Ordinal)
    {
        ["view"] = 1, ["like"] = 2, ["follow"] = 3, ["purchase"] = 4, ["train"] = 4,
    };

    /// <summary>Share of each user's latest interactions held out for evaluation. Default 0.2.</summary>
    public double TestFraction { get; set; } = 0.2;

    /// <summary>Scheduled retraining period (an Orleans reminder). Default 1 day.</summary>
    public TimeSpan RetrainEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// <c>--promote-if-better</c> promotes when recall@10 ≥ active recall@10 − this (absolute).
    /// Default 0.005.
    /// </summary>
    public double PromoteTolerance { get; set; } = 0.005;

    public float WeightOf(InteractionAction action) => Weights.TryGetValue(action.Name(), out var w) ? w : 1f;

    public AlsOptions ToAlsOptions() => new()
    {
        Rank = Rank, Lambda = Lambda, Alpha = Alpha, Iterations = Iterations, CgSteps = CgSteps, Seed = Seed,
        Solver = AlsSolver.ConjugateGradient,
    };
}

/// <summary>Where model directories live (<c>Osr:Models:Path</c>, default <c>.osr/models</c>).</summary>
public sealed class ModelsOptions
{
    public const string Section = "Osr:Models";

    public string Path { get; set; } = System.IO.Path.Combine(".osr", "models");
}

public sealed class AlsTrainingOptionsValidator : IValidateOptions<AlsTrainingOptions>
{
    public ValidateOptionsResult Validate(string? name, AlsTrainingOptions o)
    {
        var errors = new List<string>();
        if (o.Rank is < 1 or > 512) errors.Add($"{AlsTrainingOptions.Section}:Rank must be 1–512, got {o.Rank}");
        if (!(o.Lambda >= 0 && o.Lambda <= 1e6)) errors.Add($"{AlsTrainingOptions.Section}:Lambda must be in [0, 1e6], got {o.Lambda}");
        if (!(o.Alpha > 0 && o.Alpha <= 1e6)) errors.Add($"{AlsTrainingOptions.Section}:Alpha must be in (0, 1e6], got {o.Alpha}");
        if (o.Iterations is < 1 or > 1000) errors.Add($"{AlsTrainingOptions.Section}:Iterations must be 1–1000, got {o.Iterations}");
        if (o.CgSteps is < 1 or > 100) errors.Add($"{AlsTrainingOptions.Section}:CgSteps must be 1–100, got {o.CgSteps}");
        if (!(o.TestFraction > 0 && o.TestFraction < 1)) errors.Add($"{AlsTrainingOptions.Section}:TestFraction must be in (0, 1), got {o.TestFraction}");
        if (o.RetrainEvery < TimeSpan.FromMinutes(1)) errors.Add($"{AlsTrainingOptions.Section}:RetrainEvery must be at least 1 minute, got {o.RetrainEvery}");
        if (!(o.PromoteTolerance >= 0 && o.PromoteTolerance <= 1)) errors.Add($"{AlsTrainingOptions.Section}:PromoteTolerance must be in [0, 1], got {o.PromoteTolerance}");
        foreach (var (action, weight) in o.Weights)
        {
            if (!InteractionActions.TryParse(action, out _)) errors.Add($"{AlsTrainingOptions.Section}:Weights:{action} is not an action (view, like, follow, purchase, train)");
            if (!(weight > 0 && weight <= 1000)) errors.Add($"{AlsTrainingOptions.Section}:Weights:{action} must be in (0, 1000], got {weight}");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
