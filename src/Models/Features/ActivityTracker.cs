using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Models.Features;

/// <summary>
/// The activity label of one user, with hysteresis. Each <see cref="Update"/> classifies the
/// current <see cref="StateEstimate"/> into a candidate label (<see cref="Classify"/>); a
/// candidate different from <see cref="Label"/> is adopted only once it has been seen on
/// every update for at least <see cref="MinimumDwell"/> of that label, so one noisy
/// estimate never flips the label. Not thread-safe: one tracker per user, driven by the
/// user's grain.
/// </summary>
/// <remarks>
/// Rules (docs/features.md, "Activity label"); HRmax = Tanaka 208 − 0.7·age, or
/// <see cref="FeatureExtractor.DefaultMaxHeartRate"/> when age is unknown; f = hr / HRmax.
/// First match wins:
/// <list type="number">
/// <item><b>workout</b>: f ≥ 0.70, or a running pattern: cadence ≥ 150 spm with speed
/// 1.8–7 m/s (or speed unknown).</item>
/// <item><b>commute</b>: speed ≥ 2.5 m/s (faster than walking) without step cadence of a
/// run (cadence &lt; 130 or unknown) and without workout-level heart rate: cycling, car,
/// train. Walking is <b>active</b>, not commute: without trip context a walk to work
/// cannot be told from a stroll.</item>
/// <item><b>sleep</b>: local hour in [22, 8), heart rate known with f ≤ 0.35 (≈ 65 bpm at
/// HRmax 187: below a typical awake resting rate), and every known movement sensor still
/// (speed &lt; 0.2 m/s, cadence &lt; 5 spm, acc &lt; 0.15 m/s²).</item>
/// <item><b>active</b>: speed ≥ 0.5 m/s, cadence ≥ 60 spm, acc ≥ 1 m/s² or f ≥ 0.55.</item>
/// <item><b>rest</b>: otherwise.</item>
/// </list>
/// <b>post-workout</b> replaces rest and active while a workout of at least <see cref="MinimumWorkout"/> is ending or
/// ended less than <see cref="PostWorkoutWindow"/> ago (the heart rate is recovering or back at rest).
/// A speed whose σ exceeds <see cref="MaxSpeedStd"/> counts as unknown: the filter's σ grows across a
/// silence of the speed channel (a phone indoors loses its GNSS fix while the watch keeps reporting), and
/// a level held for minutes past its last reading cannot tell sitting from walking.
/// An estimate with no heart rate and no movement channel, or one older than
/// <see cref="StaleAfter"/>, gives no candidate and leaves the label as it is.
/// The first candidate after Unknown is adopted at once (no dwell).
/// </remarks>
public sealed class ActivityTracker
{
    /// <summary>f = hr / HRmax at or above which the user is working out.</summary>
    public const double WorkoutHrFraction = 0.70;

    /// <summary>Running cadence, steps/min.</summary>
    public const double RunningCadence = 150;

    /// <summary>Speed band (m/s) in which a running cadence counts as a run.</summary>
    public const double RunningSpeedMin = 1.8, RunningSpeedMax = 7.0;

    /// <summary>Speed (m/s) from which non-running movement is a commute.</summary>
    public const double CommuteSpeed = 2.5;

    /// <summary>Cadence (spm) below which fast movement is not a run.</summary>
    public const double CommuteMaxCadence = 130;

    /// <summary>f at or below which a still user at night is asleep.</summary>
    public const double SleepHrFraction = 0.35;

    /// <summary>Local night window [start, end) in hours.</summary>
    public const double NightStartHour = 22, NightEndHour = 8;

    /// <summary>Thresholds for "still" (sleep).</summary>
    public const double StillSpeed = 0.2, StillCadence = 5, StillAcc = 0.15;

    /// <summary>Thresholds for "active".</summary>
    public const double ActiveSpeed = 0.5, ActiveCadence = 60, ActiveAcc = 1.0, ActiveHrFraction = 0.55;

    /// <summary>
    /// Largest speed σ (m/s) at which the rules use the speed. Beyond it standing (0), walking (≈ 1.4 m/s) and
    /// riding (≥ 2.5 m/s) all lie within about one σ of the level, so the level is not evidence of any of them.
    /// A phone reporting every 30 s stays below it between its readings (σ ≈ 0.5 m/s 12 s after a reading,
    /// ≈ 2 m/s after 40 s); a level held across minutes of silence is far above (σ 10–60 m/s).
    /// </summary>
    public const double MaxSpeedStd = 2.0;

    /// <summary>How long after a workout ends rest and active read as post-workout.</summary>
    public static readonly TimeSpan PostWorkoutWindow = TimeSpan.FromMinutes(60);

    /// <summary>
    /// How long a workout must have lasted (from its evidence's start) for its end to open the post-workout window:
    /// shorter bouts are not workouts one recovers from.
    /// </summary>
    public static readonly TimeSpan MinimumWorkout = TimeSpan.FromMinutes(10);

    /// <summary>An estimate older than this (relative to now) gives no candidate.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>The adopted label; <see cref="ActivityLabel.Unknown"/> before any data.</summary>
    public ActivityLabel Label { get; private set; }

    /// <summary>When the evidence for <see cref="Label"/> began, UTC ticks (0 while Unknown).</summary>
    public long LabelSinceUtcTicks { get; private set; }

    /// <summary>When the last workout ended (the first moment of non-workout evidence), or null.</summary>
    public long? LastWorkoutEndUtcTicks { get; private set; }

    /// <summary>The candidate waiting out its dwell, or <see cref="ActivityLabel.Unknown"/>.</summary>
    public ActivityLabel PendingLabel { get; private set; }

    /// <summary>When <see cref="PendingLabel"/> was first seen, UTC ticks.</summary>
    public long PendingSinceUtcTicks { get; private set; }

    /// <summary>When the last update that carried data happened, UTC ticks (0 = never).</summary>
    public long LastUpdateUtcTicks { get; private set; }

    /// <summary>
    /// Minimum time a candidate must persist before it is adopted: workout and commute 120 s
    /// (sustained effort / travel), sleep 10 min (sleep onset), others 60 s.
    /// </summary>
    public static TimeSpan MinimumDwell(ActivityLabel label) => label switch
    {
        ActivityLabel.Workout => TimeSpan.FromSeconds(120),
        ActivityLabel.Commute => TimeSpan.FromSeconds(120),
        ActivityLabel.Sleep => TimeSpan.FromMinutes(10),
        _ => TimeSpan.FromSeconds(60),
    };

    /// <summary>
    /// Feeds one estimate. Returns true when <see cref="Label"/> changed.
    /// </summary>
    /// <param name="estimate">The filtered state.</param>
    /// <param name="profile">Age (HRmax) and time zone (night window).</param>
    /// <param name="nowUtcTicks">The rule clock (wall or event time), UTC ticks.</param>
    public bool Update(in StateEstimate estimate, UserProfile profile, long nowUtcTicks)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (nowUtcTicks - estimate.AsOfUtcTicks > StaleAfter.Ticks)
        {
            return false;
        }

        double maxHr = FeatureExtractor.MaxHeartRate(profile.Age);
        if (double.IsNaN(maxHr))
        {
            maxHr = FeatureExtractor.DefaultMaxHeartRate;
        }

        double localHour = UserTimeZones.ToLocal(nowUtcTicks, profile.TimeZoneId).TimeOfDay.TotalHours;
        // A bout too short to recover from (a burst of running cadence while speeding up for a warm-up, a sprint to the
        // bus) opens no post-workout window: what follows it reads as rest or active.
        // The bout is measured to the end of its evidence: a candidate waiting out its dwell started where the workout ended.
        long boutEnd = PendingLabel is not ActivityLabel.Unknown and not ActivityLabel.Workout ? PendingSinceUtcTicks : nowUtcTicks;
        bool afterWorkout = (Label == ActivityLabel.Workout && boutEnd - LabelSinceUtcTicks >= MinimumWorkout.Ticks)
            || (LastWorkoutEndUtcTicks is { } end && nowUtcTicks - end < PostWorkoutWindow.Ticks);
        var candidate = Classify(in estimate, maxHr, localHour, afterWorkout);
        if (candidate == ActivityLabel.Unknown)
        {
            return false;
        }

        LastUpdateUtcTicks = nowUtcTicks;
        if (Label == ActivityLabel.Unknown)
        {
            Adopt(candidate, nowUtcTicks);
            return true;
        }

        if (candidate == Label)
        {
            PendingLabel = ActivityLabel.Unknown;
            return false;
        }

        if (candidate != PendingLabel)
        {
            PendingLabel = candidate;
            PendingSinceUtcTicks = nowUtcTicks;
        }

        if (nowUtcTicks - PendingSinceUtcTicks >= MinimumDwell(candidate).Ticks)
        {
            Adopt(candidate, PendingSinceUtcTicks);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The instantaneous label of one estimate, without hysteresis (rules in the class remarks).
    /// </summary>
    /// <param name="estimate">The filtered state; NaN channels are unknown, and so is a speed whose σ exceeds <see cref="MaxSpeedStd"/>.</param>
    /// <param name="maxHeartRate">HRmax in bpm, &gt; 0.</param>
    /// <param name="localHour">Local time of day in hours, 0 ≤ h &lt; 24.</param>
    /// <param name="afterWorkout">Whether a workout is ending or ended within the post-workout window.</param>
    /// <returns>The candidate, or <see cref="ActivityLabel.Unknown"/> when the estimate has no usable channel.</returns>
    public static ActivityLabel Classify(in StateEstimate estimate, double maxHeartRate, double localHour, bool afterWorkout)
    {
        double hr = estimate.Hr, cadence = estimate.Cadence, acc = estimate.Acc;
        double speed = estimate.SpeedStd > MaxSpeedStd ? double.NaN : estimate.Speed; // an unknown σ (NaN) does not veto
        bool hasHr = !double.IsNaN(hr), hasSpeed = !double.IsNaN(speed);
        bool hasCadence = !double.IsNaN(cadence), hasAcc = !double.IsNaN(acc);
        if (!hasHr && !hasSpeed && !hasCadence && !hasAcc)
        {
            return ActivityLabel.Unknown;
        }

        double f = hr / maxHeartRate; // NaN when hr is unknown: every comparison below is then false
        bool running = cadence >= RunningCadence && (!hasSpeed || speed is >= RunningSpeedMin and <= RunningSpeedMax);
        if (f >= WorkoutHrFraction || running)
        {
            return ActivityLabel.Workout;
        }

        if (speed >= CommuteSpeed && (!hasCadence || cadence < CommuteMaxCadence))
        {
            return ActivityLabel.Commute;
        }

        bool still = (!hasSpeed || speed < StillSpeed) && (!hasCadence || cadence < StillCadence) && (!hasAcc || acc < StillAcc);
        bool night = localHour >= NightStartHour || localHour < NightEndHour;
        if (night && still && f <= SleepHrFraction)
        {
            return ActivityLabel.Sleep;
        }

        if (afterWorkout)
        {
            return ActivityLabel.PostWorkout;
        }

        bool active = speed >= ActiveSpeed || cadence >= ActiveCadence || acc >= ActiveAcc || f >= ActiveHrFraction;
        return active ? ActivityLabel.Active : ActivityLabel.Rest;
    }

    /// <summary>A checkpoint of the tracker for the user's persisted state.</summary>
    public ActivityTrackerState Snapshot() => new()
    {
        Label = (byte)Label,
        LabelSinceUtcTicks = LabelSinceUtcTicks,
        PendingLabel = (byte)PendingLabel,
        PendingSinceUtcTicks = PendingSinceUtcTicks,
        LastWorkoutEndUtcTicks = LastWorkoutEndUtcTicks ?? 0,
        LastUpdateUtcTicks = LastUpdateUtcTicks,
    };

    /// <summary>Restores a checkpoint; an out-of-range label byte restores as Unknown.</summary>
    public void Restore(ActivityTrackerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Label = ToLabel(state.Label);
        LabelSinceUtcTicks = Label == ActivityLabel.Unknown ? 0 : state.LabelSinceUtcTicks;
        PendingLabel = ToLabel(state.PendingLabel);
        PendingSinceUtcTicks = state.PendingSinceUtcTicks;
        LastWorkoutEndUtcTicks = state.LastWorkoutEndUtcTicks == 0 ? null : state.LastWorkoutEndUtcTicks;
        LastUpdateUtcTicks = state.LastUpdateUtcTicks;
    }

    private static ActivityLabel ToLabel(byte value) =>
        Enum.IsDefined((ActivityLabel)value) ? (ActivityLabel)value : ActivityLabel.Unknown;

    private void Adopt(ActivityLabel label, long sinceUtcTicks)
    {
        if (Label == ActivityLabel.Workout && label != ActivityLabel.Workout && sinceUtcTicks - LabelSinceUtcTicks >= MinimumWorkout.Ticks)
        {
            LastWorkoutEndUtcTicks = sinceUtcTicks;
        }

        Label = label;
        LabelSinceUtcTicks = sinceUtcTicks;
        PendingLabel = ActivityLabel.Unknown;
        PendingSinceUtcTicks = 0;
    }
}
