using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.UnitTests.Features;

/// <summary>
/// Drives an <see cref="ActivityTracker"/> through simulated time: one estimate every
/// <see cref="Step"/>, the clock advanced by the test (nothing sleeps).
/// </summary>
internal sealed class Scenario(UserProfile profile, DateTime startUtc)
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    public ActivityTracker Tracker { get; } = new();

    public UserProfile Profile { get; } = profile;

    public long NowUtcTicks { get; private set; } = startUtc.Ticks;

    /// <summary>Every adopted label with the simulated time at which it was adopted.</summary>
    public List<(ActivityLabel Label, TimeSpan At)> Changes { get; } = [];

    public TimeSpan Elapsed => TimeSpan.FromTicks(NowUtcTicks - startUtc.Ticks);

    public IEnumerable<ActivityLabel> Labels => Changes.Select(c => c.Label);

    /// <summary>Feeds estimates for <paramref name="duration"/>; <paramref name="state"/> gets the time into this phase.</summary>
    public Scenario Hold(TimeSpan duration, Func<TimeSpan, Sensors> state)
    {
        for (var t = TimeSpan.Zero; t < duration; t += Step)
        {
            Feed(state(t));
            NowUtcTicks += Step.Ticks;
        }

        return this;
    }

    public Scenario Hold(TimeSpan duration, Sensors state) => Hold(duration, _ => state);

    public bool Feed(Sensors s)
    {
        var estimate = s.ToEstimate(NowUtcTicks);
        bool changed = Tracker.Update(in estimate, Profile, NowUtcTicks);
        if (changed)
        {
            Changes.Add((Tracker.Label, Elapsed));
        }

        return changed;
    }

    public FeatureVector Features(Sensors s)
    {
        var estimate = s.ToEstimate(NowUtcTicks);
        return FeatureExtractor.Compute(in estimate, Profile, Tracker, NowUtcTicks);
    }
}

/// <summary>What the filter would report; NaN = channel unknown.</summary>
internal readonly record struct Sensors(double Hr, double Speed = 0, double Cadence = 0, double Acc = 0.1, double HrTrend = 0)
{
    public static Sensors Still(double hr) => new(hr, 0, 0, 0.05);

    public static Sensors Sitting(double hr) => new(hr, 0, 0, 0.4);

    public StateEstimate ToEstimate(long asOfUtcTicks) => new(
        asOfUtcTicks,
        Hr, double.IsNaN(Hr) ? double.NaN : 2.5, double.IsNaN(Hr) ? double.NaN : HrTrend,
        Speed, double.IsNaN(Speed) ? double.NaN : 0.2,
        Cadence, double.IsNaN(Cadence) ? double.NaN : 3,
        Acc, double.IsNaN(Acc) ? double.NaN : 0.05,
        double.NaN, double.NaN, double.NaN);
}
