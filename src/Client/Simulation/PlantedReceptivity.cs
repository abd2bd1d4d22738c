using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// The receptivity of a synthetic world, planted so that tests, the simulator and benchmarks
/// can check that the propensity model recovers it: P(accept | label, category, features) =
/// clamp(base(label, category) × m(category, label, features), 0.002, 0.95) with
/// <code>
/// base          unknown  rest  active  workout  post-workout  commute  sleep
/// drinks          0.06   0.08   0.12     0.10       0.45        0.06    0.01
/// stretching      0.05   0.08   0.10     0.04       0.35        0.04    0.01
/// programs        0.06   0.15   0.10     0.04       0.12        0.08    0.01
/// gear            0.05   0.08   0.10     0.03       0.10        0.08    0.01
/// recipes         0.06   0.30   0.08     0.02       0.08        0.06    0.01
/// posts           0.10   0.20   0.10     0.03       0.08        0.22    0.02
/// other category  0.05 for every label
/// </code>
/// and modifiers m (1 unless listed; h = local hour, unknown h → 1):
/// <list type="bullet">
/// <item>drinks, stretching — the recovery window (minutesSinceWorkout ≤ 60): inside it, rest and
/// active are ×2; outside it (or unknown), post-workout is ×0.5;</item>
/// <item>recipes — evening: ×(1 + 0.6·cos(2π(h − 19)/24)), ×1.6 at 19:00, ×0.4 at 07:00;</item>
/// <item>programs — morning: ×(1 + 0.5·cos(2π(h − 8)/24)), ×1.5 at 08:00, ×0.5 at 20:00.</item>
/// </list>
/// So drinks are accepted right after workouts (≈ 0.45) and almost never while asleep (≈ 0.01),
/// while recipes are accepted at rest in the evening (≈ 0.48) more than after a workout (≈ 0.13).
/// </summary>
public static class PlantedReceptivity
{
    /// <summary>Share of generated decisions that are explored (sent at random).</summary>
    public const double ExploreShare = 0.1;

    /// <summary>SendProbability of an explored decision (1 for rule sends).</summary>
    public const double ExploreRate = 0.1;

    private static readonly string[] CategoryArray = ["drinks", "stretching", "programs", "gear", "recipes", "posts"];

    // Rows in CategoryArray order, columns in ActivityLabel order (Unknown … Sleep).
    private static readonly double[][] Base =
    [
        [0.06, 0.08, 0.12, 0.10, 0.45, 0.06, 0.01],
        [0.05, 0.08, 0.10, 0.04, 0.35, 0.04, 0.01],
        [0.06, 0.15, 0.10, 0.04, 0.12, 0.08, 0.01],
        [0.05, 0.08, 0.10, 0.03, 0.10, 0.08, 0.01],
        [0.06, 0.30, 0.08, 0.02, 0.08, 0.06, 0.01],
        [0.10, 0.20, 0.10, 0.03, 0.08, 0.22, 0.02],
    ];

    private const double OtherCategoryProbability = 0.05;

    // Label mix of rule sends (explored sends are uniform over labels), ActivityLabel order.
    private static readonly double[] RuleLabelMix = [0.03, 0.35, 0.20, 0.08, 0.15, 0.15, 0.04];

    /// <summary>The planted categories: drinks, stretching, programs, gear, recipes, posts.</summary>
    public static IReadOnlyList<string> Categories { get; } = Array.AsReadOnly(CategoryArray);

    /// <summary>The planted P(accept | label, category, features) (table in the class summary). Range: [0.002, 0.95].</summary>
    public static double Probability(ActivityLabel label, string category, in FeatureVector features)
    {
        var c = Array.IndexOf(CategoryArray, category);
        var l = (int)label < PropensityFeaturizer.Labels ? (int)label : 0;
        if (c < 0)
        {
            return OtherCategoryProbability;
        }

        var p = Base[c][l];
        var hour = features.LocalHour;
        switch (CategoryArray[c])
        {
            case "drinks" or "stretching":
                var recovering = features.MinutesSinceWorkout <= PropensityFeaturizer.RecoveryWindowMinutes;
                if (recovering && label is ActivityLabel.Rest or ActivityLabel.Active)
                {
                    p *= 2;
                }
                else if (!recovering && label == ActivityLabel.PostWorkout)
                {
                    p *= 0.5;
                }

                break;
            case "recipes" when double.IsFinite(hour):
                p *= 1 + (0.6 * Math.Cos(2 * Math.PI * (hour - 19) / 24));
                break;
            case "programs" when double.IsFinite(hour):
                p *= 1 + (0.5 * Math.Cos(2 * Math.PI * (hour - 8) / 24));
                break;
        }

        return Math.Clamp(p, 0.002, 0.95);
    }

    /// <summary>
    /// <paramref name="count"/> logged decisions with outcomes drawn from <see cref="Probability"/>,
    /// one every 20–60 s from <paramref name="startUtcTicks"/> on. A share <see cref="ExploreShare"/>
    /// is explored (label uniform, SendProbability <see cref="ExploreRate"/>); the rest are rule sends
    /// (label mix rest 35 %, active 20 %, post-workout 15 %, commute 15 %, workout 8 %, sleep 4 %,
    /// unknown 3 %; SendProbability 1). Features are realistic for the label (heart rate, movement,
    /// intensity, time of day, minutes since the last workout …) with ~3 % of values missing.
    /// Deterministic for a given seed.
    /// </summary>
    public static IReadOnlyList<DecisionExample> Generate(int count, int seed, long startUtcTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(startUtcTicks);
        var rng = SplitMix64.ForStream(seed, 0x5EC0_7A11UL);
        var examples = new DecisionExample[count];
        var ticks = startUtcTicks;
        for (var n = 0; n < count; n++)
        {
            ticks += TimeSpan.TicksPerSecond * (20 + rng.NextInt(41));
            var explored = rng.NextDouble() < ExploreShare;
            var label = explored ? (ActivityLabel)rng.NextInt(PropensityFeaturizer.Labels) : Pick(RuleLabelMix, ref rng);
            var category = CategoryArray[rng.NextInt(CategoryArray.Length)];
            var features = FeaturesFor(label, ref rng);
            var accepted = rng.NextDouble() < Probability(label, category, features);
            examples[n] = new DecisionExample(ticks, label, features, category, accepted, explored ? ExploreRate : 1.0);
        }

        return examples;
    }

    /// <summary>Typical features of a user in <paramref name="label"/> (drawn with <paramref name="rng"/>).</summary>
    private static FeatureVector FeaturesFor(ActivityLabel label, ref SplitMix64 rng)
    {
        var hour = label switch
        {
            ActivityLabel.Rest => Uniform(ref rng, 7, 23),
            ActivityLabel.Active => Uniform(ref rng, 8, 21),
            ActivityLabel.Workout => rng.NextDouble() < 0.5 ? Uniform(ref rng, 6, 8.5) : Uniform(ref rng, 17, 20),
            ActivityLabel.PostWorkout => (rng.NextDouble() < 0.5 ? Uniform(ref rng, 6, 8.5) : Uniform(ref rng, 17, 20)) + 0.75,
            ActivityLabel.Commute => rng.NextDouble() < 0.5 ? Uniform(ref rng, 7, 9.5) : Uniform(ref rng, 16.5, 19),
            ActivityLabel.Sleep => Uniform(ref rng, 22, 31) % 24,
            _ => Uniform(ref rng, 0, 24),
        };
        var weekday = (double)rng.NextInt(7);
        if (label == ActivityLabel.Unknown)
        {
            return FeatureVector.Unknown with { LocalHour = hour, Weekday = weekday };
        }

        var age = rng.NextDouble() < 0.8 ? Uniform(ref rng, 18, 70) : double.NaN;
        var walking = rng.NextDouble() < 0.4;
        var (hr, trend, speed, cadence, acc, intensity, inActivity) = label switch
        {
            ActivityLabel.Rest => (Normal(ref rng, 68, 8), Normal(ref rng, 0, 1.5), Math.Abs(Normal(ref rng, 0, 0.1)), 0.0,
                Math.Abs(Normal(ref rng, 0.3, 0.2)), Normal(ref rng, 0.05, 0.03), Exponential(ref rng, 60)),
            ActivityLabel.Active => (Normal(ref rng, 95, 12), Normal(ref rng, 1, 3), Normal(ref rng, 1.3, 0.3), Normal(ref rng, 110, 8),
                Normal(ref rng, 2, 0.5), Normal(ref rng, 0.35, 0.08), Exponential(ref rng, 20)),
            ActivityLabel.Workout => (Normal(ref rng, 150, 15), Normal(ref rng, 2, 5), Normal(ref rng, 3, 0.8), Normal(ref rng, 165, 10),
                Normal(ref rng, 8, 2), Normal(ref rng, 0.9, 0.2), Exponential(ref rng, 25)),
            ActivityLabel.PostWorkout => (Normal(ref rng, 105, 10), Normal(ref rng, -8, 3), Math.Abs(Normal(ref rng, 0.4, 0.3)),
                Math.Abs(Normal(ref rng, 30, 20)), Normal(ref rng, 1, 0.5), Normal(ref rng, 0.25, 0.08), double.NaN),
            ActivityLabel.Commute => walking
                ? (Normal(ref rng, 90, 8), Normal(ref rng, 0, 2), Normal(ref rng, 1.4, 0.2), Normal(ref rng, 110, 8),
                    Normal(ref rng, 1.8, 0.5), Normal(ref rng, 0.3, 0.06), Exponential(ref rng, 20))
                : (Normal(ref rng, 78, 8), Normal(ref rng, 0, 2), Math.Abs(Normal(ref rng, 12, 5)), 0.0,
                    Normal(ref rng, 1.2, 0.4), Normal(ref rng, 0.1, 0.04), Exponential(ref rng, 20)),
            _ => (Normal(ref rng, 55, 5), Normal(ref rng, -0.2, 0.5), 0.0, 0.0,
                Math.Abs(Normal(ref rng, 0.05, 0.03)), 0.02, Exponential(ref rng, 200)),
        };

        double sinceWorkout;
        if (label == ActivityLabel.Workout)
        {
            sinceWorkout = 0;
        }
        else if (label == ActivityLabel.PostWorkout)
        {
            sinceWorkout = Uniform(ref rng, 0, 45);
            inActivity = sinceWorkout;
        }
        else if (rng.NextDouble() < 0.25)
        {
            sinceWorkout = double.NaN; // no workout seen yet
        }
        else
        {
            sinceWorkout = label is ActivityLabel.Rest or ActivityLabel.Active && rng.NextDouble() < 0.1
                ? Uniform(ref rng, 0, 60)
                : Uniform(ref rng, 60, 2880);
        }

        hr = Math.Clamp(hr, 35, 210);
        var hrPctMax = double.IsNaN(age) ? double.NaN : hr / (208 - (0.7 * age));
        var values = new[]
        {
            hr, hrPctMax, trend, Math.Max(speed, 0), Math.Max(cadence, 0), Math.Max(acc, 0), Math.Clamp(intensity, 0, 1.5),
            inActivity, sinceWorkout, hour, weekday, Math.Abs(Normal(ref rng, 2, 1)), Exponential(ref rng, 15),
        };
        for (var i = 0; i < values.Length; i++)
        {
            if (rng.NextDouble() < (i is 9 or 10 ? 0.01 : 0.03))
            {
                values[i] = double.NaN;
            }
        }

        return new FeatureVector(
            values[0], values[1], values[2], values[3], values[4], values[5], values[6],
            values[7], values[8], values[9], values[10], values[11], values[12]);
    }

    private static ActivityLabel Pick(double[] mix, ref SplitMix64 rng)
    {
        var u = rng.NextDouble();
        for (var l = 0; l < mix.Length; l++)
        {
            u -= mix[l];
            if (u < 0)
            {
                return (ActivityLabel)l;
            }
        }

        return (ActivityLabel)(mix.Length - 1);
    }

    private static double Uniform(ref SplitMix64 rng, double lo, double hi) => lo + ((hi - lo) * rng.NextDouble());

    private static double Normal(ref SplitMix64 rng, double mean, double sd) => mean + (sd * rng.NextGaussian());

    private static double Exponential(ref SplitMix64 rng, double mean) => -mean * Math.Log(1 - rng.NextDouble());
}
