using Osr.Orleans.Client.Cli;

namespace Osr.Orleans.IntegrationTests.Client;

public class DurationParserTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("6h", 21600)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5m", 90)]
    [InlineData("250ms", 0.25)]
    [InlineData("1d", 86400)]
    [InlineData(" 45s ", 45)]
    public void ParsesDurations(string text, double seconds)
    {
        DurationParser.TryParse(text, out var duration, out _).Should().BeTrue();
        duration.Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("-5s")]
    [InlineData("+5s")]
    [InlineData("0s")]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("5 m")]
    [InlineData("1h-5m")]
    [InlineData("1e3s")]
    [InlineData("99999999999999d")]
    public void RefusesBadDurations(string text)
    {
        DurationParser.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().NotBeEmpty();
    }

    [Fact]
    public void FormatsCompactly()
    {
        DurationParser.Format(TimeSpan.FromMinutes(90)).Should().Be("1h30m");
        DurationParser.Format(TimeSpan.FromSeconds(45)).Should().Be("45s");
        DurationParser.Format(TimeSpan.FromMinutes(6)).Should().Be("6m");
    }

    [Theory]
    [InlineData("127.0.0.1:30000", "127.0.0.1", 30000)]
    [InlineData("silo-0.osr.svc:1883", "silo-0.osr.svc", 1883)]
    [InlineData("[::1]:1883", "::1", 1883)]
    public void ParsesHostPort(string text, string host, int port)
    {
        EndpointParser.TryParse(text, out var endpoint, out _).Should().BeTrue();
        endpoint.Should().Be(new EndpointParser.HostPort(host, port));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData(":1883")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:port")]
    [InlineData("::1:1883")]
    public void RefusesBadHostPort(string text)
    {
        EndpointParser.TryParse(text, out _, out _).Should().BeFalse();
    }
}
