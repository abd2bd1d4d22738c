using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class PropensityMetricsTests
{
    // Oracle: hand counts of (positive, negative) pairs ranked correctly, a tie counting ½.

    [Fact]
    public void AucCountsCorrectlyOrderedPairs()
    {
        // Pairs (pos, neg): 0.35>0.1 ✓, 0.35<0.4 ✗, 0.8>0.1 ✓, 0.8>0.4 ✓ → 3/4.
        PropensityMetrics.AucOf([0.1, 0.4, 0.35, 0.8], [false, false, true, true]).Should().BeApproximately(0.75, 1e-15);
    }

    [Fact]
    public void AucCountsTiesAsHalf()
    {
        // pos {0.5, 0.9}, neg {0.5, 0.2}: 0.5=0.5 ½, 0.5>0.2 1, 0.9>0.5 1, 0.9>0.2 1 → 3.5/4.
        PropensityMetrics.AucOf([0.5, 0.5, 0.2, 0.9], [true, false, false, true]).Should().BeApproximately(0.875, 1e-15);
        PropensityMetrics.AucOf([0.3, 0.3, 0.3], [true, false, true]).Should().BeApproximately(0.5, 1e-15);
        PropensityMetrics.AucOf([0.9, 0.1], [false, true]).Should().Be(0);
    }

    [Fact]
    public void AucIsNaNForOneClassAndRefusesMismatchedLengths()
    {
        double.IsNaN(PropensityMetrics.AucOf([0.1, 0.2], [true, true])).Should().BeTrue();
        double.IsNaN(PropensityMetrics.AucOf([], [])).Should().BeTrue();
        FluentActions.Invoking(() => PropensityMetrics.AucOf([0.1], [true, false])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void LogLossIsTheMeanNaturalLogLoss()
    {
        // −(ln 0.8 + ln 0.7) / 2 = (0.2231435513142098 + 0.35667494393873245) / 2.
        PropensityMetrics.LogLossOf([0.8, 0.3], [true, false]).Should().BeApproximately(0.2899092476264711, 1e-15);
        PropensityMetrics.LogLossOf([0.5, 0.5, 0.5], [true, false, true]).Should().BeApproximately(Math.Log(2), 1e-15);
    }

    [Fact]
    public void LogLossClipsProbabilities()
    {
        // p = 0 for a positive is clipped to 1e-15: −ln(1e-15) = 34.538776394910684. p = 1 for a
        // negative is clipped to 1 − 1e-15, which binary64 rounds to 1 − 9.992007221626409e-16:
        // −ln(9.992007221626409e-16) = 34.53957599234088. Mean 34.53917619362578 (Python math.log).
        PropensityMetrics.LogLossOf([0, 1], [true, false]).Should().BeApproximately(34.53917619362578, 1e-12);
        PropensityMetrics.LogLossOf([0], [true]).Should().BeApproximately(34.538776394910684, 1e-12);

        // Right answers at the clip: −ln(1 − 9.992007221626409e-16) ≈ 9.992e-16 each.
        PropensityMetrics.LogLossOf([1, 0], [true, false]).Should().BeApproximately(9.992007221626415e-16, 1e-18);
        FluentActions.Invoking(() => PropensityMetrics.LogLossOf([0.1], [])).Should().Throw<ArgumentException>();
    }
}
