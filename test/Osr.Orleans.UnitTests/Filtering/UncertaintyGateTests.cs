using Osr.Orleans.Models.Filtering;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>
/// <see cref="UserFilterBank.Uncertainty"/> and the pure rule <see cref="UncertaintyGate"/>.
/// Oracle: the rule in UncertaintyGate's summary applied by hand, and σ from
/// <see cref="UserFilterBank.Estimate"/> (the same covariance, read twice).
/// </summary>
public sealed class UncertaintyGateTests
{
    [Fact]
    public void NothingObservedIsUncertain()
    {
        var u = new UserFilterBank().Uncertainty(At(0));
        u.Hr.Observed.Should().BeFalse();
        UncertaintyGate.Default.IsUncertain(in u, out var channels).Should().BeTrue();
        channels.Should().Be(FilterChannels.None);
    }

    [Fact]
    public void SteadyStreamIsCertainAndAGapMakesItUncertain()
    {
        var bank = new UserFilterBank();
        var normal = StandardNormal(4);
        for (var t = 0; t < 120; t++)
        {
            bank.Apply(HrReading(At(t), 70 + 4 * normal.Sample()), SensorNoiseProfiles.Watch);
        }

        var now = bank.Uncertainty(At(119));
        now.Hr.Std.Should().Be(bank.Estimate(At(119)).HrStd);
        now.Hr.RelativeStd.Should().BeApproximately(now.Hr.Std / StateUncertainty.HrScale, 1e-15);
        now.Hr.SecondsSinceAccepted.Should().Be(0);
        now.Speed.Observed.Should().BeFalse("a user without a speed sensor");
        UncertaintyGate.Default.IsUncertain(in now).Should().BeFalse();

        var later = bank.Uncertainty(At(119 + 150));
        later.Hr.SecondsSinceAccepted.Should().Be(150);
        UncertaintyGate.Default.IsUncertain(in later, out var channels).Should().BeTrue();
        channels.Should().Be(FilterChannels.Hr);
        (UncertaintyGate.Default with { MaxSecondsSinceAccepted = 200, MaxRelativeStd = 1e6 }).IsUncertain(in later).Should().BeFalse();
    }

    [Fact]
    public void ARunOfGatedReadingsMakesTheChannelUncertain()
    {
        var bank = new UserFilterBank();
        var normal = StandardNormal(5);
        var t = 0;
        for (; t < 120; t++)
        {
            bank.Apply(HrReading(At(t), 70 + normal.Sample()), SensorNoiseProfiles.Watch);
        }

        // Only the outlier rule, at 2 (the adaptive filter's outlier burst lets a third identical
        // reading through, so a run longer than 2 of the same value does not happen).
        var gate = new UncertaintyGate(MaxRelativeStd: 1e6, MaxConsecutiveOutliers: 2);
        bank.Apply(HrReading(At(t++), 240), SensorNoiseProfiles.Watch).HasOutliers.Should().BeTrue();
        gate.IsUncertain(bank.Uncertainty(At(t - 1))).Should().BeFalse("one gated reading is below 2");
        bank.Apply(HrReading(At(t++), 245), SensorNoiseProfiles.Watch).HasOutliers.Should().BeTrue();
        var u = bank.Uncertainty(At(t - 1));
        u.Hr.ConsecutiveOutliers.Should().Be(2);
        u.Hr.SecondsSinceAccepted.Should().Be(2);
        gate.IsUncertain(in u, out var channels).Should().BeTrue();
        channels.Should().Be(FilterChannels.Hr);
    }

    [Fact]
    public void GateRuleOnHandBuiltValuesRespectsItsParameters()
    {
        var sure = new ChannelCertainty(true, 2.0, 0.2, 5, 0);
        var vague = new ChannelCertainty(true, 40.0, 0.8, 5, 0);
        var stale = new ChannelCertainty(true, double.NaN, double.NaN, 900, 0);
        var u = new StateUncertainty(0, sure, vague, ChannelCertainty.Unobserved, ChannelCertainty.Unobserved, stale);
        new UncertaintyGate().IsUncertain(in u, out var channels).Should().BeTrue();
        channels.Should().Be(FilterChannels.Speed | FilterChannels.Position);
        new UncertaintyGate(MaxRelativeStd: 1.0, Channels: FilterChannels.Hr | FilterChannels.Speed).IsUncertain(in u).Should().BeFalse();
        new UncertaintyGate(Channels: FilterChannels.Cadence).IsUncertain(in u, out channels).Should().BeTrue("no counted channel was observed");
        channels.Should().Be(FilterChannels.None);
    }

    [Fact]
    public void UncertaintyDoesNotAllocate()
    {
        var bank = new UserFilterBank();
        bank.Apply(HrReading(At(0), 70), SensorNoiseProfiles.Watch);
        var sink = 0.0;
        Allocations.Least(() => sink += bank.Uncertainty(At(1)).Hr.Std).Should().Be(0);
        sink.Should().BeGreaterThan(0);
    }
}
