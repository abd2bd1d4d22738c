using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class OsrScoreTests
{
    [Fact]
    public void StandardizeGivesPopulationZScores()
    {
        // Oracle: by hand — mean 2.5, population sd √1.25 = 1.118033988749895.
        var z = new double[4];
        OsrScore.Standardize([1, 2, 3, 4], z);
        z.Should().Equal([-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738], (a, b) => Math.Abs(a - b) < 1e-15);
        z.Sum().Should().BeApproximately(0, 1e-15);

        // Scale- and shift-invariant: large factor norms do not dominate.
        var scaled = new double[4];
        OsrScore.Standardize([1000, 2000, 3000, 4000], scaled);
        scaled.Should().Equal(z, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void StandardizeOfConstantOrSingleInputIsZero()
    {
        var z = new double[3] { 9, 9, 9 };
        OsrScore.Standardize([0.7, 0.7, 0.7], z);
        z.Should().Equal(0, 0, 0);
        var one = new double[] { 5 };
        OsrScore.Standardize([3.2], one);
        one.Should().Equal(0);
        OsrScore.Standardize([], []);
    }

    [Fact]
    public void StandardizeWorksInPlaceAndChecksTheDestination()
    {
        var values = new double[] { 2, 4, 4, 4, 5, 5, 7, 9 }; // mean 5, population sd 2
        OsrScore.Standardize(values, values);
        values.Should().Equal(-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2);
        FluentActions.Invoking(() => OsrScore.Standardize([1, 2], new double[1])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void NormalizeMapsTheWindowToZeroOne()
    {
        OsrScore.Normalize(0.25, -0.5, 1.5).Should().Be(0.375);
        OsrScore.Normalize(-0.5, -0.5, 1.5).Should().Be(0);
        OsrScore.Normalize(1.5, -0.5, 1.5).Should().Be(1);
    }

    [Fact]
    public void NormalizeClampsOutsideTheWindow()
    {
        OsrScore.Normalize(-3, -0.5, 1.5).Should().Be(0);
        OsrScore.Normalize(7, -0.5, 1.5).Should().Be(1);
        OsrScore.Normalize(double.NaN, -0.5, 1.5).Should().Be(0);
    }

    [Fact]
    public void NormalizeWithoutSpreadIsOneHalf()
    {
        OsrScore.Normalize(0.3, 0.3, 0.3).Should().Be(0.5);
        OsrScore.Normalize(5, 0.3, 0.3 + 5e-10).Should().Be(0.5);
        OsrScore.Normalize(0.3, double.NaN, double.NaN).Should().Be(0.5);
        OsrScore.Normalize(0.3, 1, 0).Should().Be(0.5, "an inverted window has no spread");
        OsrScore.Normalize(0.3 + 1e-9, 0.3, 0.3 + 2e-9).Should().BeApproximately(0.5, 1e-6, "1e-9 is just enough spread");
    }
}
