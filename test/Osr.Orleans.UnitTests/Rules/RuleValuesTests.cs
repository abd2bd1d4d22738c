using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.UnitTests.Rules;

public class RuleValuesTests
{
    [Theory]
    [InlineData("6h", 6 * 3600)]
    [InlineData("30m", 30 * 60)]
    [InlineData("90s", 90)]
    [InlineData("2d", 2 * 86400)]
    [InlineData("1h30m", 90 * 60)]
    [InlineData("1d2h3m4s", 86400 + 7200 + 180 + 4)]
    [InlineData(" 6h ", 6 * 3600)]
    [InlineData("6H", 6 * 3600)]
    [InlineData("0s", 0)]
    [InlineData("0", 0)]
    [InlineData("365d", 365 * 86400)]
    [InlineData("72h", 72 * 3600)]
    public void DurationsParse(string text, int seconds)
    {
        RuleValues.TryParseDuration(text, out var value).Should().BeTrue();
        value.Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void MillisecondsParse()
    {
        RuleValues.TryParseDuration("1s500ms", out var value).Should().BeTrue();
        value.Should().Be(TimeSpan.FromMilliseconds(1500));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("6")]
    [InlineData("6x")]
    [InlineData("h")]
    [InlineData("-6h")]
    [InlineData("+6h")]
    [InlineData("1.5h")]
    [InlineData("1,5h")]
    [InlineData("6 h")]
    [InlineData("1h 30m")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("1h30")]
    [InlineData("366d")]
    [InlineData("365d1s")]
    [InlineData("8761h")]
    [InlineData("99999999999999999999h")]
    [InlineData("9223372036854775807s")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("٦h")] // Arabic-Indic six
    [InlineData("６h")] // full-width six
    [InlineData("6h\0")]
    [InlineData("null")]
    [InlineData("PT6H")]
    [InlineData("06:00:00")]
    public void BadDurationsAreRejected(string text)
    {
        RuleValues.TryParseDuration(text, out var value).Should().BeFalse();
        value.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void NullAndHugeDurationsAreRejected()
    {
        RuleValues.TryParseDuration(null!, out _).Should().BeFalse();
        RuleValues.TryParseDuration(new string('9', 100_000) + "s", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData(6 * 3600, "6h")]
    [InlineData(2 * 3600 + 600, "2h10m")]
    [InlineData(45, "45s")]
    [InlineData(90, "1m30s")]
    [InlineData(72 * 3600, "72h")]
    [InlineData(0, "0s")]
    [InlineData(3600 + 1, "1h1s")]
    public void DurationsFormat(int seconds, string expected) =>
        RuleValues.FormatDuration(TimeSpan.FromSeconds(seconds)).Should().Be(expected);

    [Theory]
    [InlineData("6h")]
    [InlineData("2h10m")]
    [InlineData("45s")]
    [InlineData("2d")]
    [InlineData("1s500ms")]
    [InlineData("365d")]
    public void FormattedDurationsParseBackToTheSameValue(string text)
    {
        RuleValues.TryParseDuration(text, out var value).Should().BeTrue();
        RuleValues.TryParseDuration(RuleValues.FormatDuration(value), out var again).Should().BeTrue();
        again.Should().Be(value);
    }

    [Fact]
    public void NegativeDurationsFormatWithASign()
    {
        RuleValues.FormatDuration(TimeSpan.FromMinutes(-90)).Should().Be("-1h30m");
        RuleValues.FormatDuration(TimeSpan.MinValue).Should().StartWith("-");
    }

    [Theory]
    [InlineData("22:00", 22, 0)]
    [InlineData("7:05", 7, 5)]
    [InlineData("07:05", 7, 5)]
    [InlineData("0:00", 0, 0)]
    [InlineData("23:59", 23, 59)]
    [InlineData(" 22:00 ", 22, 0)]
    public void TimesParse(string text, int hour, int minute)
    {
        RuleValues.TryParseTime(text, out var value).Should().BeTrue();
        value.Should().Be(new TimeOnly(hour, minute));
    }

    [Theory]
    [InlineData("24:00")]
    [InlineData("25:00")]
    [InlineData("22:60")]
    [InlineData("22")]
    [InlineData("22:0")]
    [InlineData("22:000")]
    [InlineData("022:00")]
    [InlineData(":30")]
    [InlineData("22:00:00")]
    [InlineData("-1:00")]
    [InlineData("10pm")]
    [InlineData("22.00")]
    [InlineData("２２:００")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("null")]
    public void BadTimesAreRejected(string text) => RuleValues.TryParseTime(text, out _).Should().BeFalse();

    [Fact]
    public void TimesFormatAsHoursAndMinutes()
    {
        RuleValues.FormatTime(new TimeOnly(7, 5)).Should().Be("07:05");
        RuleValues.TryParseTime(null!, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("0.75", 0.75)]
    [InlineData(" 0.75 ", 0.75)]
    [InlineData("1", 1.0)]
    [InlineData(".5", 0.5)]
    [InlineData("5e-1", 0.5)]
    [InlineData("-0", 0.0)]
    [InlineData("+0.25", 0.25)]
    public void NumbersParseInTheInvariantCulture(string text, double expected)
    {
        RuleValues.TryParseNumber(text, 0, 1, out var value).Should().BeTrue();
        value.Should().Be(expected);
        double.IsNegative(value).Should().BeFalse("−0 is normalised to 0");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    [InlineData("1e309")]
    [InlineData("0,5")]
    [InlineData("1,000")]
    [InlineData("0x1")]
    [InlineData("٠٫٥")]
    [InlineData("０.５")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("0.5 0.5")]
    public void BadNumbersAreRejected(string text) => RuleValues.TryParseNumber(text, 0, 1, out _).Should().BeFalse();
}
