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
