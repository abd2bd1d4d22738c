using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Retention;

namespace Osr.Orleans.UnitTests.Retention;

public class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EachLogIsCutAtNowMinusItsRetention()
    {
        var cutoffs = RetentionPolicy.Cutoffs(Now, TimeSpan.FromDays(90), TimeSpan.FromDays(30), TimeSpan.FromHours(36));

        cutoffs.Should().Be(new RetentionCutoffs(Now.AddDays(-90).UtcTicks, Now.AddDays(-30).UtcTicks, Now.AddHours(-36).UtcTicks));
    }

    [Fact]
    public void UnsetZeroOrLongerThanTimeItselfKeepsEverything()
    {
        RetentionPolicy.Cutoffs(Now, null, null, null).Should().Be(RetentionCutoffs.KeepAll);
        RetentionPolicy.Cutoff(Now, TimeSpan.Zero).Should().Be(long.MinValue);
        RetentionPolicy.Cutoff(Now, TimeSpan.MaxValue).Should().Be(long.MinValue);
        RetentionPolicy.Cutoff(DateTimeOffset.MinValue.AddDays(1), TimeSpan.FromDays(2)).Should().Be(long.MinValue);
    }

    [Theory]
    [InlineData("Interactions", "00:10:00")]
    [InlineData("Decisions", "-1.00:00:00")]
    [InlineData("Feedback", "36501.00:00:00")]
    public void ARetentionOutsideOneHourToAHundredYearsIsRefusedNamingItsKey(string key, string value)
    {
        var options = new RetentionOptions();
        typeof(RetentionOptions).GetProperty(key)!.SetValue(options, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var result = new RetentionOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain($"Osr:Retention:{key}");
    }

    [Fact]
    public void OffByDefaultAndAnyRetentionTurnsTheJobOn()
    {
        var options = new RetentionOptions();
        options.IsOn.Should().BeFalse();
        new RetentionOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
        options.Feedback = TimeSpan.FromDays(7);
        options.IsOn.Should().BeTrue();
        options.Every = TimeSpan.FromSeconds(10);
        new RetentionOptionsValidator().Validate(null, options).FailureMessage.Should().Contain("Osr:Retention:Every");
    }
}
