using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Client.Simulation;
using Microsoft.ML.Data;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

/// <summary>Shared inputs of the scoring tests: one planted data set and one model trained on it (trained once, lazily).</summary>
internal static class ScoringTestKit
{
    public const int PlantedExamples = 20_000;
    public const int PlantedSeed = 7;
    public static readonly long Start = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero).UtcTicks;
    public static readonly DateTimeOffset CreatedAt = new(2026, 1, 20, 3, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<IReadOnlyList<DecisionExample>> PlantedLazy = new(() => PlantedReceptivity.Generate(PlantedExamples, PlantedSeed, Start));
    private static readonly Lazy<PropensityModel> TrainedLazy = new(() =>
        PropensityTrainer.Train(Planted, PlantedReceptivity.Categories, "20260120T030000Z", CreatedAt));

    public static IReadOnlyList<DecisionExample> Planted => PlantedLazy.Value;

    /// <summary>The default trainer (L-BFGS, IPS weights) on <see cref="Planted"/>.</summary>
    public static PropensityModel Trained => TrainedLazy.Value;

    /// <summary>A typical state of each label (hr, intensity, … as <see cref="PlantedReceptivity"/> draws them).</summary>
    public static FeatureVector State(ActivityLabel label, double hour, double minutesSinceWorkout = double.NaN) => label switch
    {
        ActivityLabel.PostWorkout => new(105, 0.6, -8, 0.3, 20, 1, 0.25, 15, minutesSinceWorkout, hour, 2, 2, 10),
        ActivityLabel.Sleep => new(55, 0.3, -0.2, 0, 0, 0.05, 0.02, 200, minutesSinceWorkout, hour, 2, 2, 10),
        ActivityLabel.Rest => new(68, 0.38, 0, 0, 0, 0.3, 0.05, 60, minutesSinceWorkout, hour, 2, 2, 10),
        _ => FeatureVector.Unknown with { LocalHour = hour },
    };

    /// <summary>The ML.NET output row (PredictionEngine).</summary>
    public sealed class MlPrediction
    {
        [ColumnName("Score")]
        public float Score { get; set; }

        [ColumnName("Probability")]
        public float Probability { get; set; }

        [ColumnName("PredictedLabel")]
        public bool PredictedLabel { get; set; }
    }
}
