using Osr.Orleans.Grains.Options;

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
}
