using System.Buffers;
using System.Text;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Events;

public sealed class EventParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 18, 2, 0, TimeSpan.Zero);

    private static (DeviceEvent? Event, RejectReason Reason, string? Detail) Parse(string json, ReadingValidationOptions? options = null)
    {
        var e = EventParser.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), Now.UtcTicks,
            options ?? ReadingValidationOptions.Default, out var reason, out var detail);
        return (e, reason, detail);
    }

    [Fact]
    public void InteractionFromTheContractIsParsed()
    {
        var (e, reason, _) = Parse("""{"type": "interaction", "itemId": "prog-17", "action": "view", "ts": "2026-11-23T19:01:30+01:00", "extra": [1,{"x":2}]}""");

        reason.Should().Be(RejectReason.None);
        e.Should().Be(new DeviceEvent(DeviceEventType.Interaction, "prog-17", InteractionAction.View, null, default,
            new DateTimeOffset(2026, 11, 23, 18, 1, 30, TimeSpan.Zero).UtcTicks));
    }

    [Theory]
    [InlineData("""{"type": "interaction", "itemId": "i1", "action": "view", "ts": "2026-11-23T18:01:00Z", "eventId": "a\ud800"}""", "eventId")]
    [InlineData("""{"type": "int\udc00", "itemId": "i1", "action": "view", "ts": "2026-11-23T18:01:00Z"}""", "type")]
    [InlineData("""{"type": "interaction", "itemId": "i1", "action": "view", "ts": "2026-11-23T18:01:00\ud800"}""", "ts")]
    public void AnEscapedLoneSurrogateIsMalformedNotACrash(string json, string field)
    {
        // Found by the parser fuzz test: valid JSON, yet no text; reading it used to throw.
        var (e, reason, detail) = Parse(json);

        e.Should().BeNull();
        reason.Should().Be(RejectReason.MalformedJson);
        detail.Should().Contain($"'{field}'");
    }

    [Fact]
    public void FeedbackFromTheContractIsParsed()
    {
        var (e, _, _) = Parse("""{"type": "feedback", "notificationId": "n-1", "action": "opened", "ts": "2026-11-23T18:01:00Z"}""");

        e!.Type.Should().Be(DeviceEventType.Feedback);
        e.NotificationId.Should().Be("n-1");
        e.Feedback.Should().Be(FeedbackAction.Opened);
    }

    [Fact]
    public void AnEventIdIsOptionalAndKeptWhenGiven()
    {
        var (with, _, _) = Parse("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z","eventId":"w1:000042"}""");
        var (feedback, _, _) = Parse("""{"type":"feedback","notificationId":"n-1","action":"opened","ts":"2026-11-23T18:01:00Z","eventId":"n-1:opened"}""");
        var (without, _, _) = Parse("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z","eventId":null}""");
        var (any, _, _) = Parse("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z","eventId":"w1/42 #é"}""");

        with!.EventId.Should().Be("w1:000042");
        feedback!.EventId.Should().Be("n-1:opened");
        without!.EventId.Should().BeNull();
        any!.EventId.Should().Be("w1/42 #é", "the contract asks only for a string of at most 64 characters");
    }

    [Theory]
    [InlineData("", RejectReason.MalformedJson)]
    [InlineData("{", RejectReason.MalformedJson)]
    [InlineData("[]", RejectReason.NotAnObject)]
    [InlineData("\"interaction\"", RejectReason.NotAnObject)]
    [InlineData("""{"itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.MissingField)]
    [InlineData("""{"type":"purchase","itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.UnknownEventType)]
    [InlineData("""{"type":7,"itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.WrongType)]
    [InlineData("""{"type":"interaction","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.MissingField)]
    [InlineData("""{"type":"interaction","itemId":"a/b","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.BadId)]
    [InlineData("""{"type":"interaction","itemId":"","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.BadId)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"steal","ts":"2026-11-23T18:01:00Z"}""", RejectReason.UnknownAction)]
    [InlineData("""{"type":"feedback","notificationId":"n","action":"view","ts":"2026-11-23T18:01:00Z"}""", RejectReason.UnknownAction)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z","eventId":7}""", RejectReason.WrongType)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:01:00Z","eventId":""}""", RejectReason.BadId)]
    [InlineData("""{"type":"feedback","notificationId":"n","action":"opened","ts":"2026-11-23T18:01:00Z","eventId":"0123456789012345678901234567890123456789012345678901234567890123x"}""", RejectReason.BadId)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view"}""", RejectReason.MissingTs)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:01:00"}""", RejectReason.BadTs)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view","ts":12345}""", RejectReason.WrongType)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T17:00:00Z"}""", RejectReason.TooLate)]
    [InlineData("""{"type":"interaction","itemId":"a","action":"view","ts":"2026-11-23T18:10:00Z"}""", RejectReason.TooEarly)]
    public void InvalidEventIsRejectedWithItsReason(string json, RejectReason expected)
    {
        var (e, reason, detail) = Parse(json);

        e.Should().BeNull();
        reason.Should().Be(expected);
        detail.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void EventClockHasNoWallClockBound()
    {
        var (e, _, _) = Parse("""{"type":"interaction","itemId":"a","action":"train","ts":"2020-01-01T00:00:00Z"}""",
            new ReadingValidationOptions { Mode = ClockMode.Event });

        e!.Action.Should().Be(InteractionAction.Train);
    }

    [Fact]
    public void OversizeAndDeeplyNestedEventsAreRefused()
    {
        Parse("{\"type\":\"interaction\",\"pad\":\"" + new string('x', 70_000) + "\"}").Reason.Should().Be(RejectReason.Oversize);
        Parse(new string('[', 5000) + new string(']', 5000)).Reason.Should().Be(RejectReason.MalformedJson);
    }
}
