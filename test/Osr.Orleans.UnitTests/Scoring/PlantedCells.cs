using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

/// <summary>
/// A receptivity planted in the online model's tests (OnlinePropensityTests, PropensityRefitTests): a conversion
/// probability per (label, category), unrelated to any simulator; the product knows nothing of it.
/// </summary>
internal static class PlantedCells
{
    public static readonly ActivityLabel[] Labels = [ActivityLabel.Rest, ActivityLabel.Workout, ActivityLabel.PostWorkout, ActivityLabel.Commute];
    public static readonly string[] Categories = ["drinks", "posts", "gear"];

    /// <summary>The planted conversion probability of (label, category).</summary>
    public static double Truth(ActivityLabel label, string category) => (label, category) switch
    {
        (ActivityLabel.PostWorkout, "drinks") => 0.45,
        (ActivityLabel.Rest, "posts") => 0.30,
        (ActivityLabel.Commute, "posts") => 0.20,
        (ActivityLabel.Workout, _) => 0.02,
        (_, "gear") => 0.10,
        _ => 0.06,
    };

    /// <summary>A state of <paramref name="label"/> at local hour <paramref name="hour"/>, segment "casual", nothing else known.</summary>
    public static PropensityContext State(ActivityLabel label, double hour) =>
        new(label, FeatureVector.Unknown with { LocalHour = hour }, "casual");
}
