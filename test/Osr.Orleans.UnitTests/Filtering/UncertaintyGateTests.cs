using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Scoring;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>
/// The uncertainty gate (<see cref="UncertaintyGate"/>, the one the decision path applies) on
/// the states a real filter bank reports: it defers exactly when the filter's own covariance
/// says the state is unsure. Oracle: the gate's rule (σ against <see cref="UncertaintyBounds"/>)
/// applied to σ computed by hand from the CWNA prediction where it matters.
/// </summary>
public sealed class UncertaintyGateTests
{
    private static readonly UncertaintyBounds Bounds = UncertaintyBounds.Default;

    [Fact]
    public void NothingObservedDefers()
    {
        UncertaintyGate.Check(new UserFilterBank().Estimate(At(0)), Bounds).Should().Be("no heart rate, speed or movement known");
    }

    [Fact]
    public void SteadyStreamIsCertainAndAGapDefers()
    {
        var bank = new UserFilterBank();
        var normal = StandardNormal(4);
        for (var t = 0; t < 120; t++)
        {
            bank.Apply(HrReading(At(t), 70 + 4 * normal.Sample()), SensorNoiseProfiles.Watch);
        }

        UncertaintyGate.Check(bank.Estimate(At(119)), Bounds).Should().BeNull();

        // 150 s without a reading: Var(ℓ) ≥ α·q·dt³/3 with q = 0.02 bpm²/s³ alone is ≫ 6² bpm².
        var later = bank.Estimate(At(119 + 150));
        later.HrStd.Should().BeGreaterThan(Bounds.MaxHrStd);
        UncertaintyGate.Check(in later, Bounds).Should().StartWith("heart rate σ");
    }

    [Fact]
    public void AFirstReadingFromAnImpreciseSensorDefersUntilMoreArrive()
    {
        // A phone's HR (σ₀ = 6 bpm): one reading gives Var(ℓ) = 36 at its own time, and the
        // prediction 1 s later adds σᵣ₀² = 1: σ ≈ 6.1 > 6. A minute of readings narrows it.
        var bank = new UserFilterBank();
        var normal = StandardNormal(6);
        bank.Apply(HrReading(At(0), 80), SensorNoiseProfiles.Phone);
        UncertaintyGate.Check(bank.Estimate(At(1)), Bounds).Should().NotBeNull("one reading is not enough");
        for (var t = 1; t < 60; t++)
        {
            bank.Apply(HrReading(At(t), 80 + 6 * normal.Sample()), SensorNoiseProfiles.Phone);
        }

        UncertaintyGate.Check(bank.Estimate(At(60)), Bounds).Should().BeNull();
    }

    [Fact]
    public void ARunOfGatedReadingsDefers()
    {
        // A gated reading is not applied but widens the level variance by ν²/(2γ)
        // (NoiseAdaptation.OutlierBurst): a 170 bpm optical lock adds ≈ 170²/30 bpm², so the
        // state the gate reads is unsure while the glitch lasts.
        var bank = new UserFilterBank();
        var normal = StandardNormal(5);
        var t = 0;
        for (; t < 120; t++)
        {
            bank.Apply(HrReading(At(t), 70 + normal.Sample()), SensorNoiseProfiles.Watch);
        }

        UncertaintyGate.Check(bank.Estimate(At(t - 1)), Bounds).Should().BeNull();
        bank.Apply(HrReading(At(t++), 240), SensorNoiseProfiles.Watch).HasOutliers.Should().BeTrue();
        bank.Statistics(FilterChannel.Hr).LastAcceptedUtcTicks.Should().Be(At(119));
        var estimate = bank.Estimate(At(t - 1));
        estimate.Hr.Should().BeInRange(65, 75, "the glitch is not applied");
        UncertaintyGate.Check(in estimate, Bounds).Should().StartWith("heart rate σ");
    }

    [Fact]
    public void EstimateForTheGateDoesNotAllocate()
    {
        var bank = new UserFilterBank();
        bank.Apply(HrReading(At(0), 70), SensorNoiseProfiles.Watch);
        var sink = 0.0;
        Allocations.Least(() => sink += UncertaintyGate.Check(bank.Estimate(At(1)), Bounds) is null ? 1 : 2).Should().Be(0);
        sink.Should().BeGreaterThan(0);
    }
}
