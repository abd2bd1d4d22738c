using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public class LearningOptionsTests
{
    [Fact]
    public void TheDefaultsAreValid() =>
        new LearningOptionsValidator().Validate(null, new LearningOptions()).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ADrawSpreadOutsideZeroToOneIsRefusedByName(double spread)
    {
        var result = new LearningOptionsValidator().Validate(null, new LearningOptions { DrawSpread = spread });
        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Osr:Learning:DrawSpread must be in (0, 1]");
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(1.0)]
    public void ADrawSpreadInZeroToOneIsAccepted(double spread) =>
        new LearningOptionsValidator().Validate(null, new LearningOptions { DrawSpread = spread }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(-1.0)]
    [InlineData(0.5)]
    [InlineData(11.0)]
    [InlineData(double.NaN)]
    public void ATimingLiftOtherThanOffOrOneToTenIsRefusedByName(double lift)
    {
        var result = new LearningOptionsValidator().Validate(null, new LearningOptions { TimingLift = lift });
        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Osr:Learning:TimingLift must be 0 (off) or in [1, 10]");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    public void ATimingLiftOfOffOrOneToTenIsAccepted(double lift) =>
        new LearningOptionsValidator().Validate(null, new LearningOptions { TimingLift = lift }).Succeeded.Should().BeTrue();
}

public class ActingScoresTests
{
    [Theory]
    [InlineData(ActingScore.Day, 0.5, 0.5)]
    [InlineData(ActingScore.Pass, 0.3, 0.3)]
    [InlineData(ActingScore.Median, 0.5, 0)]
    [InlineData(ActingScore.Mean, 0.5, 1)]
    public void TheDrawsOfPassAndDayTakeTheConfiguredSpreadTheMedianNoneTheMeanNoDraw(ActingScore acting, double configured, double expected) =>
        ActingScores.Spread(acting, configured).Should().Be(expected);

    [Fact]
    public void OnlyPassAndDayActOnADraw()
    {
        ActingScores.Draws(ActingScore.Pass).Should().BeTrue();
        ActingScores.Draws(ActingScore.Day).Should().BeTrue();
        ActingScores.Draws(ActingScore.Mean).Should().BeFalse();
        ActingScores.Draws(ActingScore.Median).Should().BeFalse();
    }
}
