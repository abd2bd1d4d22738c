using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Models.Features;

/// <summary>
/// Turns a filtered <see cref="StateEstimate"/>, the user's profile and activity tracker into
/// a <see cref="FeatureVector"/>. Pure and allocation-free; the time zone comes from the
/// <see cref="UserTimeZones"/> cache.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>
    /// HRmax assumed by the activity rules and <see cref="Intensity"/> when age is unknown:
    /// Tanaka at age ≈ 33, a typical adult. Never reported as <c>hrPctMax</c>.
    /// </summary>
    public const double DefaultMaxHeartRate = 185;

    /// <summary>
    /// Age-predicted maximum heart rate, Tanaka, Monahan &amp; Seals (2001):
    /// HRmax = 208 − 0.7·age, bpm. Range: age 1…120 → 207.3…124; NaN when age is unknown or outside it.
    /// </summary>
    public static double MaxHeartRate(int? age) =>
        age is >= 1 and <= 120 ? 208.0 - (0.7 * age.Value) : double.NaN;

    /// <summary>
    /// Exertion estimate I ∈ [0, 1.5] (1 ≈ vigorous running), combining heart rate and movement:
    /// <para>h = clamp((hr/HRmax − 0.5) / 0.4, 0, 1.5): 0 at 50 % HRmax, 1 at 90 %.</para>
    /// <para>m = max over known channels of clamp((cadence − 60)/120, 0, 1.5) (0 at 60 spm, 1 at 180),
    /// clamp(acc/8, 0, 1.5) and, only at human speeds ≤ 7 m/s, clamp(speed/4, 0, 1.5)
    /// (vehicle speeds say nothing about effort and count 0).</para>
    /// <para>I = 0.6·h + 0.4·m when both are known, else whichever is known, else NaN.</para>
    /// </summary>
    /// <param name="hr">Heart rate, bpm, or NaN.</param>
    /// <param name="maxHeartRate">HRmax, bpm, &gt; 0.</param>
    /// <param name="speed">m/s or NaN.</param>
    /// <param name="cadence">steps/min or NaN.</param>
    /// <param name="acc">m/s² or NaN.</param>
    public static double Intensity(double hr, double maxHeartRate, double speed, double cadence, double acc)
    {
        double h = double.IsNaN(hr) ? double.NaN : Clamp(((hr / maxHeartRate) - 0.5) / 0.4);
        double m = double.NaN;
        if (!double.IsNaN(cadence))
        {
            m = Clamp((cadence - 60) / 120);
        }

        if (!double.IsNaN(acc))
        {
            m = MaxKnown(m, Clamp(acc / 8));
        }

        if (!double.IsNaN(speed))
        {
            m = MaxKnown(m, speed <= 7 ? Clamp(speed / 4) : 0);
        }

        return (double.IsNaN(h), double.IsNaN(m)) switch
        {
            (false, false) => (0.6 * h) + (0.4 * m),
            (false, true) => h,
            (true, false) => m,
            _ => double.NaN,
        };

        static double Clamp(double x) => Math.Clamp(x, 0, 1.5);
        static double MaxKnown(double a, double b) => double.IsNaN(a) ? b : Math.Max(a, b);
    }

    /// <summary>
    /// Computes the features at <paramref name="nowUtcTicks"/> (the rule clock: wall or event time).
    /// </summary>
    /// <param name="estimate">The filtered state.</param>
    /// <param name="profile">Age and IANA time zone.</param>
    /// <param name="tracker">The user's activity tracker, already updated with <paramref name="estimate"/>.</param>
    /// <param name="nowUtcTicks">UTC ticks.</param>
    public static FeatureVector Compute(in StateEstimate estimate, UserProfile profile, ActivityTracker tracker, long nowUtcTicks)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(tracker);

        double maxHr = MaxHeartRate(profile.Age);
        double intensity = Intensity(estimate.Hr, double.IsNaN(maxHr) ? DefaultMaxHeartRate : maxHr,
            estimate.Speed, estimate.Cadence, estimate.Acc);

        double minutesInActivity = tracker.Label == ActivityLabel.Unknown
            ? double.NaN
            : Minutes(nowUtcTicks - tracker.LabelSinceUtcTicks);
        double minutesSinceWorkout = tracker.Label == ActivityLabel.Workout ? 0
            : tracker.LastWorkoutEndUtcTicks is { } end ? Minutes(nowUtcTicks - end)
            : double.NaN;

        var local = UserTimeZones.ToLocal(nowUtcTicks, profile.TimeZoneId);
        return new FeatureVector(
            Hr: estimate.Hr,
            HrPctMax: estimate.Hr / maxHr,
            HrTrend: estimate.HrTrendPerMin,
            Speed: estimate.Speed,
            Cadence: estimate.Cadence,
            Acc: estimate.Acc,
            Intensity: intensity,
            MinutesInActivity: minutesInActivity,
            MinutesSinceWorkout: minutesSinceWorkout,
            LocalHour: local.TimeOfDay.TotalHours,
            Weekday: ((int)local.DayOfWeek + 6) % 7,
            HrStd: estimate.HrStd,
            PositionStd: estimate.PositionStdMetres);
    }

    private static double Minutes(long ticks) => Math.Max(0, ticks) / (double)TimeSpan.TicksPerMinute;
}
