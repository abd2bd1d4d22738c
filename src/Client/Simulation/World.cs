using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Client.Simulation;

/// <summary>P(accept | label, category, features) of a simulated person: the planted truth the recommender should discover.</summary>
public delegate double ReceptivityFunction(ActivityLabel label, string category, in FeatureVector features);

/// <summary>
/// The simulated world's ground truth: what a person <em>really</em> is doing at an instant (their
/// <see cref="LifeScript"/>), the activity label that corresponds to it, the noise-free features of that
/// state, and how likely they are to accept an item of a category then (a <see cref="ReceptivityFunction"/>,
/// by default <see cref="PlantedReceptivity"/>). The simulator answers notifications
/// with it and the backtest measures the recommender against it.
/// <para>
/// Phase → label: sleep → sleep; rest, desk → rest; commute → commute; warm-up, workout → workout;
/// recovery → post-workout.
/// </para>
/// <para>
/// True features at t (<see cref="FeatureVector"/>): hr, speed, cadence, acc of the script at t;
/// hrPctMax = hr / (208 − 0.7·age); hrTrend = hr(t) − hr(t − 60 s) in bpm/min; intensity by
/// <see cref="FeatureExtractor.Intensity"/>; minutesInActivity since the start of the run of script segments
/// with the current label; minutesSinceWorkout since the end of the last workout-labelled segment (0 during
/// one); localHour and weekday in the person's zone; hrStd = 1 bpm; positionStd = 4 m with a phone, else unknown.
/// </para>
/// </summary>
public sealed class World
{
    private static readonly Lazy<World> PlantedWorld = new(CreatePlanted);

    private readonly ReceptivityFunction _probability;

    public World(IReadOnlyList<string> categories, ReceptivityFunction probability)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(probability);
        Categories = categories;
        _probability = probability;
    }

    /// <summary>The world planted in <see cref="PlantedReceptivity"/>.</summary>
    public static World Planted => PlantedWorld.Value;

    /// <summary>The item categories the world has an opinion about (the demo catalogue has items in each).</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>The activity label of a life phase.</summary>
    public static ActivityLabel Label(LifePhase phase) => phase switch
    {
        LifePhase.Sleep => ActivityLabel.Sleep,
        LifePhase.Rest or LifePhase.Desk => ActivityLabel.Rest,
        LifePhase.Commute => ActivityLabel.Commute,
        LifePhase.WarmUp or LifePhase.Workout => ActivityLabel.Workout,
        _ => ActivityLabel.PostWorkout,
    };

    /// <summary>The person's true label at <paramref name="time"/>.</summary>
    public static ActivityLabel TrueLabel(LifeScript script, DateTimeOffset time) => Label(script.Sample(time).Phase);

    /// <summary>P(accept) of an item of <paramref name="category"/> for the person at <paramref name="time"/>, in [0, 1].</summary>
    public double Probability(LifeScript script, string category, DateTimeOffset time)
    {
        var features = TrueFeatures(script, time, out var label);
        var p = _probability(label, category, in features);
        return double.IsFinite(p) ? Math.Clamp(p, 0, 1) : 0;
    }

    /// <summary>The noise-free features of the person's true state at <paramref name="time"/> (see the class summary).</summary>
    public static FeatureVector TrueFeatures(LifeScript script, DateTimeOffset time, out ActivityLabel label)
    {
        ArgumentNullException.ThrowIfNull(script);
        var traits = script.Traits;
        var u = script.PeriodTime(time);
        var now = script.SampleAt(u);
        var before = script.Sample(time - TimeSpan.FromMinutes(1));
        label = Label(now.Phase);

        var (inActivity, sinceWorkout) = LabelTimes(script.Segments, u, label);
        var hrMax = traits.HrMax;
        var zone = UserTimeZones.Resolve(traits.TimeZoneId);
        var local = TimeZoneInfo.ConvertTime(time, zone);
        return new FeatureVector(
            Hr: now.Hr,
            HrPctMax: now.Hr / hrMax,
            HrTrend: now.Hr - before.Hr,
            Speed: now.Speed,
            Cadence: now.Cadence,
            Acc: now.Acc,
            Intensity: FeatureExtractor.Intensity(now.Hr, hrMax, now.Speed, now.Cadence, now.Acc),
            MinutesInActivity: inActivity / 60,
            MinutesSinceWorkout: sinceWorkout / 60,
            LocalHour: local.TimeOfDay.TotalHours,
            Weekday: ((int)local.DayOfWeek + 6) % 7,
            HrStd: 1,
            PositionStd: traits.HasPhone ? 4 : double.NaN);
    }

    /// <summary>
    /// Seconds since the run of segments with <paramref name="label"/> began, and since the last workout-labelled
    /// segment ended (0 in a workout; NaN if the script has none), at <paramref name="u"/> seconds into the period.
    /// The script repeats, so both look back across the start of the period.
    /// </summary>
    internal static (double InActivity, double SinceWorkout) LabelTimes(IReadOnlyList<LifeSegment> segments, double u, ActivityLabel label)
    {
        var n = segments.Count;
        var i = n - 1;
        while (i > 0 && segments[i].Start > u) i--;

        var inActivity = Math.Max(0, u - segments[i].Start);
        var j = i;
        for (var k = 1; k < n; k++)
        {
            var previous = (j - 1 + n) % n;
            if (Label(segments[previous].Phase) != label) break;
            inActivity += segments[previous].Duration;
            j = previous;
        }

        double sinceWorkout;
        if (label == ActivityLabel.Workout)
        {
            sinceWorkout = 0;
        }
        else
        {
            sinceWorkout = double.NaN;
            var elapsed = Math.Max(0, u - segments[i].Start);
            j = i;
            for (var k = 1; k <= n; k++)
            {
                var previous = (j - 1 + n) % n;
                if (Label(segments[previous].Phase) == ActivityLabel.Workout)
                {
                    sinceWorkout = elapsed;
                    break;
                }

                elapsed += segments[previous].Duration;
                j = previous;
            }
        }

        return (inActivity, sinceWorkout);
    }

    private static World CreatePlanted() =>
        new(PlantedReceptivity.Categories, PlantedReceptivity.Probability);
}
