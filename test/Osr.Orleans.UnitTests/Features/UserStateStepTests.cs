using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.UnitTests.Features;

public sealed class UserStateStepTests
{
    private static readonly UserProfile Profile = new(30, "Europe/Amsterdam", "runners");
    private static readonly long T0 = new DateTime(2026, 11, 23, 18, 0, 0, DateTimeKind.Utc).Ticks;

    private static Reading Hr(long seq, long ticks, double hr) => new(seq, ticks, hr, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    private static long Seconds(double s) => T0 + (long)(s * TimeSpan.TicksPerSecond);

    /// <summary>
    /// The backtest's "active while seated" pushes (docs/decisions.md 93), replayed: a phone on the desk reports its GNSS speed
    /// every 30 s (|N(0, 0.2)| m/s, the last two 0 then 0.52, a rising "trend" of pure noise) and then nothing for five
    /// minutes (no fix indoors), while the watch keeps reporting a seated person. Carried along its trend the speed
    /// grew to 5.8 m/s and the label went active (then commute); held and known to be uncertain, it leaves the person at rest.
    /// </summary>
    [Fact]
    public void APhoneSilentIndoorsLeavesASeatedUserAtRest()
    {
        var bank = new UserFilterBank(FilterOptions.Default);
        var tracker = new ActivityTracker();
        var phone = SensorNoiseProfiles.Phone;
        var watch = SensorNoiseProfiles.Watch;
        double[] speeds = [0, 0.1, 0, 0.24, 0, 0.11, 0, 0, 0.52];
        var seq = 0;
        for (var i = 0; i < speeds.Length; i++)
        {
            var t = 30.0 * i;
            UserStateStep.Apply(bank, tracker, new Reading(++seq, Seconds(t), double.NaN, speeds[i], double.NaN, double.NaN, double.NaN, double.NaN), in phone, Profile);
            UserStateStep.Apply(bank, tracker, new Reading(++seq, Seconds(t + 13), 64, double.NaN, 0, 0.13, double.NaN, double.NaN), in watch, Profile);
        }

        tracker.Label.Should().Be(ActivityLabel.Rest);
        var last = 30.0 * (speeds.Length - 1);
        StepResult step = default;
        for (var t = last + 13; t <= last + 300; t += 30)
        {
            step = UserStateStep.Apply(bank, tracker, new Reading(++seq, Seconds(t), 64, double.NaN, 0, 0.13, double.NaN, double.NaN), in watch, Profile);
            tracker.Label.Should().Be(ActivityLabel.Rest, $"the person sits still {t - last:0} s after the phone's last speed");
        }

        step.Estimate.Speed.Should().BeLessThan(ActivityTracker.ActiveSpeed + 0.5, "the trend is carried at most the trend horizon");
        step.Estimate.SpeedStd.Should().BeGreaterThan(ActivityTracker.MaxSpeedStd, "five minutes without a speed reading is no evidence of any speed");
    }

    [Fact]
    public void AReadingMovesTheEstimateAndAReadingOlderThanEveryChannelIsSkipped()
    {
        var bank = new UserFilterBank(FilterOptions.Default);
        var tracker = new ActivityTracker();
        var noise = SensorNoiseProfiles.Watch;

        var first = UserStateStep.Apply(bank, tracker, Hr(1, T0, 70), in noise, Profile);
        var second = UserStateStep.Apply(bank, tracker, Hr(2, T0 + TimeSpan.TicksPerSecond, 72), in noise, Profile);
        var late = UserStateStep.Apply(bank, tracker, Hr(3, T0 - TimeSpan.TicksPerMinute, 150), in noise, Profile);

        first.Stale.Should().BeFalse();
        first.Estimate.Hr.Should().BeApproximately(70, 1);
        second.Estimate.Hr.Should().BeInRange(70, 72);
        late.Stale.Should().BeTrue();
        late.LabelChanged.Should().BeFalse();
        bank.Estimate(T0 + TimeSpan.TicksPerSecond).Hr.Should().Be(second.Estimate.Hr, "a skipped reading leaves the state as it was");
    }
}
