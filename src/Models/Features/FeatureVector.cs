namespace Osr.Orleans.Models.Features;

/// <summary>
/// The features of one user at one moment, computed by <see cref="FeatureExtractor.Compute"/>
/// and fed to the propensity model. Every value is NaN when it is not known (never 0 as a
/// stand-in). Order and names are stable (<see cref="Names"/>): append new features at the
/// end. docs/features.md documents each one.
/// </summary>
/// <param name="Hr">
/// <c>hr</c> — filtered heart rate, bpm, 20–250. Effort and arousal level.
/// </param>
/// <param name="HrPctMax">
/// <c>hrPctMax</c> — hr / HRmax with HRmax = 208 − 0.7·age (Tanaka 2001), fraction, ~0.1–1.2.
/// NaN when age is unknown. Effort relative to the person's capacity.
/// </param>
/// <param name="HrTrend">
/// <c>hrTrend</c> — heart-rate slope from the filter, bpm/min, typically −30…+30. Negative
/// while recovering, positive while ramping up.
/// </param>
/// <param name="Speed">
/// <c>speed</c> — filtered ground speed, m/s, 0–100. Locomotion and travel mode.
/// </param>
/// <param name="Cadence">
/// <c>cadence</c> — filtered step cadence, steps/min, 0–300. Walking (~100–130) vs running (~150–190).
/// </param>
/// <param name="Acc">
/// <c>acc</c> — filtered dynamic-acceleration magnitude, m/s², 0–200. Movement without
/// displacement (gym, fidgeting).
/// </param>
/// <param name="Intensity">
/// <c>intensity</c> — exertion estimate, dimensionless, 0…1.5 (1 ≈ vigorous running),
/// see <see cref="FeatureExtractor.Intensity"/>. NaN when neither hr nor a movement channel is known.
/// </param>
/// <param name="MinutesInActivity">
/// <c>minutesInActivity</c> — minutes since the current activity label began, ≥ 0. NaN while
/// the label is Unknown. How settled the user is in the current state.
/// </param>
/// <param name="MinutesSinceWorkout">
/// <c>minutesSinceWorkout</c> — minutes since the last workout ended, ≥ 0; 0 during a workout;
/// NaN when no workout has been seen. Recovery-window offers (drinks, stretching).
/// </param>
/// <param name="LocalHour">
/// <c>localHour</c> — fractional local time of day in the user's IANA zone (UTC if the zone
/// is invalid), hours, 0 ≤ h &lt; 24. Daily rhythm.
/// </param>
/// <param name="Weekday">
/// <c>weekday</c> — local day of week, 0 = Monday … 6 = Sunday. Weekly rhythm.
/// </param>
/// <param name="HrStd">
/// <c>hrStd</c> — standard deviation of the filtered heart rate, bpm, ≥ 0. Trust in hr.
/// </param>
/// <param name="PositionStd">
/// <c>positionStd</c> — standard deviation of the filtered position, metres, ≥ 0. Trust in location.
/// </param>
public readonly record struct FeatureVector(
    double Hr,
    double HrPctMax,
    double HrTrend,
    double Speed,
    double Cadence,
    double Acc,
    double Intensity,
    double MinutesInActivity,
    double MinutesSinceWorkout,
    double LocalHour,
    double Weekday,
    double HrStd,
    double PositionStd)
{
    /// <summary>Number of features.</summary>
    public const int Count = 13;

    private static readonly string[] NameArray =
    [
        "hr", "hrPctMax", "hrTrend", "speed", "cadence", "acc", "intensity",
        "minutesInActivity", "minutesSinceWorkout", "localHour", "weekday", "hrStd", "positionStd",
    ];

    /// <summary>Feature names (wire names for JSON and the console), index-aligned with <see cref="this[int]"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(NameArray);

    /// <summary>Every feature unknown.</summary>
    public static FeatureVector Unknown { get; } = new(
        double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
        double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>Feature <paramref name="index"/> in <see cref="Names"/> order.</summary>
    public double this[int index] => index switch
    {
        0 => Hr,
        1 => HrPctMax,
        2 => HrTrend,
        3 => Speed,
        4 => Cadence,
        5 => Acc,
        6 => Intensity,
        7 => MinutesInActivity,
        8 => MinutesSinceWorkout,
        9 => LocalHour,
        10 => Weekday,
        11 => HrStd,
        12 => PositionStd,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "feature index must be 0…" + (Count - 1)),
    };

    /// <summary>Copies the features in <see cref="Names"/> order; <paramref name="destination"/> needs <see cref="Count"/> slots.</summary>
    public void CopyTo(Span<double> destination)
    {
        if (destination.Length < Count)
        {
            throw new ArgumentException("destination needs " + Count + " elements", nameof(destination));
        }

        destination[0] = Hr;
        destination[1] = HrPctMax;
        destination[2] = HrTrend;
        destination[3] = Speed;
        destination[4] = Cadence;
        destination[5] = Acc;
        destination[6] = Intensity;
        destination[7] = MinutesInActivity;
        destination[8] = MinutesSinceWorkout;
        destination[9] = LocalHour;
        destination[10] = Weekday;
        destination[11] = HrStd;
        destination[12] = PositionStd;
    }

    /// <summary>(name, value) pairs in <see cref="Names"/> order, for the console and JSON (NaN → null there).</summary>
    public IEnumerable<KeyValuePair<string, double>> AsPairs()
    {
        var values = new double[Count];
        CopyTo(values);
        return Enumerate(values);

        static IEnumerable<KeyValuePair<string, double>> Enumerate(double[] values)
        {
            for (int i = 0; i < Count; i++)
            {
                yield return new KeyValuePair<string, double>(NameArray[i], values[i]);
            }
        }
    }
}
