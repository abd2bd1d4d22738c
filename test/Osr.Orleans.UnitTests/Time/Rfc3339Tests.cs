using System.Globalization;
using System.Text;
using FluentAssertions;
using Osr.Orleans.Models.Time;
using Xunit;

namespace Osr.Orleans.UnitTests.Time;

/// <summary>The one RFC 3339 parser, as readings (UTF-8), CSV rows and console arguments (text) use it.</summary>
public sealed class Rfc3339Tests
{
    // Oracle: the instants written out by hand in UTC (local − offset).
    [Theory]
    [InlineData("2026-11-23T18:02:11Z", "2026-11-23T18:02:11Z")]
    [InlineData("2026-11-23T19:02:11+01:00", "2026-11-23T18:02:11Z")]
    [InlineData("2026-11-23T12:32:11-05:30", "2026-11-23T18:02:11Z")]
    [InlineData("2026-11-23T18:02:11.1234567891Z", "2026-11-23T18:02:11.1234567Z")]
    [InlineData("2024-02-29T00:00:00z", "2024-02-29T00:00:00Z")]
    [InlineData("0001-01-01T00:30:00+00:30", "0001-01-01T00:00:00Z")]
    [InlineData("2027-01-01T01:30:00+02:00", "2026-12-31T23:30:00Z")]
    [InlineData("2026-11-02t00:00:00z", "2026-11-02T00:00:00Z")]
    [InlineData("2026-11-02T08:30:00.125-05:00", "2026-11-02T13:30:00.125Z")]
    public void TimestampsWithOffsetsParseToTheirInstant(string text, string utc)
    {
        var expected = Utc(utc);

        Rfc3339.TryParseUtcTicks(text, out var fromText).Should().BeTrue();
        Rfc3339.TryParseUtcTicks(Encoding.ASCII.GetBytes(text), out var fromUtf8).Should().BeTrue();

        fromText.Should().Be(expected);
        fromUtf8.Should().Be(expected);
    }

    [Theory]
    [InlineData("2026-11-23T18:02:11Z", 0)]
    [InlineData("2026-11-23T18:02:11.5Z", 5_000_000)]
    [InlineData("2026-11-23T18:02:11.1234567Z", 1_234_567)]
    [InlineData("2026-11-23T18:02:11.123456789Z", 1_234_567)] // sub-100 ns digits truncated
    public void FractionalSecondsKeepTickPrecision(string text, long fractionTicks)
    {
        Rfc3339.TryParseUtcTicks(Encoding.ASCII.GetBytes(text), out var ticks).Should().BeTrue();

        ticks.Should().Be(new DateTime(2026, 11, 23, 18, 2, 11, DateTimeKind.Utc).Ticks + fractionTicks);
    }

    [Theory]
    [InlineData("2026-11-23T18:02:11")]
    [InlineData("2026-11-23")]
    [InlineData("2026-11-23T18:02Z")]
    [InlineData("2026-11-23T18:02:11.Z")]
    [InlineData("2026-11-23T18:02:11+0100")]
    [InlineData("2026-11-23T18:02:11+24:00")]
    [InlineData("2026-11-23T24:00:00Z")]
    [InlineData("2026-11-23T18:02:60Z")]
    [InlineData("2025-02-29T00:00:00Z")]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("2026-11-23T18:02:11Z ")]
    [InlineData(" 2026-11-02T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+00:01")]
    [InlineData("9999-12-31T23:59:59-00:01")]
    [InlineData("١٢٣٤-11-23T18:02:11Z")]
    [InlineData("2026-11-23T18:02:11.00000000000000000000000000000000000000000000000000000000000Z")]
    [InlineData("")]
    public void MalformedTimestampsAreRefused(string text)
    {
        Rfc3339.TryParseUtcTicks(text, out _).Should().BeFalse();
        Rfc3339.TryParseUtcTicks(Encoding.UTF8.GetBytes(text), out _).Should().BeFalse();
        Rfc3339.TryParse(text, out DateTimeOffset _).Should().BeFalse();
    }

    [Fact]
    public void DateTimeOffsetKeepsTheWrittenOffset()
    {
        Rfc3339.TryParse("2026-11-02T08:30:00+01:00", out DateTimeOffset value).Should().BeTrue();

        value.Offset.Should().Be(TimeSpan.FromHours(1));
        value.UtcDateTime.Should().Be(new DateTime(2026, 11, 2, 7, 30, 0, DateTimeKind.Utc));
    }

    [Fact]
    public void OffsetsBeyondWhatDateTimeOffsetHoldsAreRefusedThere()
    {
        // RFC 3339 allows +23:59; DateTimeOffset holds ±14:00. The UTC-ticks form still parses.
        Rfc3339.TryParseUtcTicks("2026-11-02T20:00:00+15:00", out var ticks).Should().BeTrue();
        ticks.Should().Be(Utc("2026-11-02T05:00:00Z"));
        Rfc3339.TryParse("2026-11-02T20:00:00+15:00", out DateTimeOffset _).Should().BeFalse();
    }

    private static long Utc(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal).Ticks;
}
