using System.Text;
using System.Text.Json;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Push;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary>The push body of docs/contract.md "Notification".</summary>
public sealed class NotificationJsonTests
{
    private static readonly Notification Sample = new("9f1c2d", "u-7", "drink-3", "drinks", 0.91, 1.7, 0.42, "post-workout",
        new DateTimeOffset(2026, 11, 23, 18, 2, 11, 250, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 18, 17, 11, 250, TimeSpan.Zero));

    [Fact]
    public void FieldNamesAreExactlyTheContractsInOrder()
    {
        using var document = JsonDocument.Parse(NotificationJson.Serialize(Sample));

        // Oracle: the example object in docs/contract.md "Notification".
        document.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal(
            "notificationId", "userId", "itemId", "category", "osr", "affinity", "propensity", "state", "ts", "expiresAt");
        NotificationJson.FieldNames.Should().Equal(document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void TheBodyIsCompactUtf8WithUtcMillisecondTimes()
    {
        var text = Encoding.UTF8.GetString(NotificationJson.Serialize(Sample));

        text.Should().Be("""{"notificationId":"9f1c2d","userId":"u-7","itemId":"drink-3","category":"drinks","osr":0.91,"affinity":1.7,"propensity":0.42,"state":"post-workout","ts":"2026-11-23T18:02:11.250Z","expiresAt":"2026-11-23T18:17:11.250Z"}""");
    }

    [Fact]
    public void TimesWithAnOffsetAreWrittenInUtcWithZ()
    {
        var local = Sample with { Ts = new DateTimeOffset(2026, 11, 23, 19, 2, 11, 5, TimeSpan.FromHours(1)) };

        using var document = JsonDocument.Parse(NotificationJson.Serialize(local));

        document.RootElement.GetProperty("ts").GetString().Should().Be("2026-11-23T18:02:11.005Z");
    }

    [Fact]
    public void ParseRoundTripsSerialize()
    {
        var parsed = NotificationJson.Parse(NotificationJson.Serialize(Sample));

        parsed.Should().Be(Sample);
        parsed.Ts.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void ParseIgnoresUnknownFieldsAndAcceptsAnyOrder()
    {
        var json = """{"ts":"2026-11-23T18:02:11.250Z","extra":[1,2],"expiresAt":"2026-11-23T18:17:11.250Z","state":"post-workout","propensity":0.42,"affinity":1.7,"osr":0.91,"category":"drinks","itemId":"drink-3","userId":"u-7","notificationId":"9f1c2d"}""";

        NotificationJson.Parse(Encoding.UTF8.GetBytes(json)).Should().Be(Sample);
    }

    [Fact]
    public void ANonFiniteScoreIsWrittenAsNullAndReadAsNaN()
    {
        var unknown = Sample with { Affinity = double.NaN, Osr = double.PositiveInfinity };

        var bytes = NotificationJson.Serialize(unknown);
        using var document = JsonDocument.Parse(bytes);

        document.RootElement.GetProperty("affinity").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("osr").ValueKind.Should().Be(JsonValueKind.Null);
        var parsed = NotificationJson.Parse(bytes);
        double.IsNaN(parsed.Affinity).Should().BeTrue();
        double.IsNaN(parsed.Osr).Should().BeTrue();
    }

    [Fact]
    public void TextIsEscapedAsJson()
    {
        var hostile = Sample with { ItemId = "a\"b\\c</script>\u0001é" };

        NotificationJson.Parse(NotificationJson.Serialize(hostile)).ItemId.Should().Be(hostile.ItemId);
    }

    [Theory]
    [InlineData("""{"userId":"u","itemId":"i","category":"c","osr":1,"affinity":1,"propensity":1,"state":"s","ts":"2026-11-23T18:02:11.250Z","expiresAt":"2026-11-23T18:02:11.250Z"}""", "notificationId")]
    [InlineData("""{"notificationId":"n","userId":"u","itemId":"i","category":"c","osr":"high","affinity":1,"propensity":1,"state":"s","ts":"2026-11-23T18:02:11.250Z","expiresAt":"2026-11-23T18:02:11.250Z"}""", "osr")]
    [InlineData("""{"notificationId":"n","userId":"u","itemId":"i","category":"c","osr":1,"affinity":1,"propensity":1,"state":"s","ts":"yesterday","expiresAt":"2026-11-23T18:02:11.250Z"}""", "ts")]
    [InlineData("""[1,2]""", "object")]
    [InlineData("""{"notificationId":""", "JSON")]
    public void ParseRefusesABadNotificationNamingTheProblem(string json, string named)
    {
        var parse = () => NotificationJson.Parse(Encoding.UTF8.GetBytes(json));

        parse.Should().Throw<FormatException>().Which.Message.Should().Contain(named);
    }
}
