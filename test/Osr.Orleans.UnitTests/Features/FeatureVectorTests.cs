using Osr.Orleans.Models.Features;

namespace Osr.Orleans.UnitTests.Features;

public class FeatureVectorTests
{
    private static readonly FeatureVector Sample = new(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);

    [Fact]
    public void NamesAreStableUniqueAndMatchCount()
    {
        FeatureVector.Names.Should().Equal(
            "hr", "hrPctMax", "hrTrend", "speed", "cadence", "acc", "intensity",
            "minutesInActivity", "minutesSinceWorkout", "localHour", "weekday", "hrStd", "positionStd");
        FeatureVector.Names.Should().HaveCount(FeatureVector.Count).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public void IndexerCopyToAndPairsAgree()
    {
        Span<double> copy = stackalloc double[FeatureVector.Count];
        Sample.CopyTo(copy);

        for (int i = 0; i < FeatureVector.Count; i++)
        {
            Sample[i].Should().Be(i + 1);
            copy[i].Should().Be(i + 1);
        }

        Sample.AsPairs().Should().Equal(FeatureVector.Names.Select((n, i) => new KeyValuePair<string, double>(n, i + 1)));
        Sample[1].Should().Be(Sample.HrPctMax);
        Sample[12].Should().Be(Sample.PositionStd);
    }

    [Fact]
    public void BadIndexOrShortDestinationThrows()
    {
        var index = () => Sample[FeatureVector.Count];
        var copy = () => Sample.CopyTo(new double[FeatureVector.Count - 1]);

        index.Should().Throw<ArgumentOutOfRangeException>();
        copy.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void UnknownIsAllNaN()
    {
        FeatureVector.Unknown.AsPairs().Should().OnlyContain(p => double.IsNaN(p.Value));
    }
}
