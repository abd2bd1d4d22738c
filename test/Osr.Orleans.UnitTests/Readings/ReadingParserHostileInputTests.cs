using System.Text;
using Osr.Orleans.Models.Readings;
using static Osr.Orleans.UnitTests.Readings.ParseHarness;

namespace Osr.Orleans.UnitTests.Readings;

public class ReadingParserHostileInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   \r\n\t ")]
    public void EmptyPayloadIsMalformedJson(string json)
    {
        Run(json).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Theory]
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"} x")]
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"}{\"seq\":2,\"ts\":\"2026-11-23T18:02:11Z\"}")]
    [InlineData("[{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"}]]")]
    [InlineData("[{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"}] \0")]
    [InlineData("5 5")]
    public void TrailingGarbageIsMalformedJson(string json)
    {
        Run(json).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Theory]
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"")]                     // truncated
    [InlineData("[{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"},")]                   // truncated array
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\",}")]                   // trailing comma
    [InlineData("[{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\"},]")]
    [InlineData("{\"seq\":1 /* c */,\"ts\":\"2026-11-23T18:02:11Z\"}")]            // comment
    [InlineData("{seq:1,\"ts\":\"2026-11-23T18:02:11Z\"}")]                        // unquoted name
    [InlineData("{'seq':1,\"ts\":\"2026-11-23T18:02:11Z\"}")]                      // single quotes
    [InlineData("{\"seq\":01,\"ts\":\"2026-11-23T18:02:11Z\"}")]                   // leading zero
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\",\"hr\":NaN}")]         // NaN literal
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\",\"hr\":Infinity}")]
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\",\"hr\":+5}")]
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\",\"x\":\"\\q\"}")]      // bad escape
    [InlineData("{\"seq\":1,\"ts\":\"2026-11-23T18:02:11Z\",\"x\":\"a\u0001b\"}")] // raw control char
    public void InvalidJsonIsMalformedJson(string json)
    {
        Run(json).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Fact]
    public void MalformedJsonAfterValidReadingsAcceptsNothing()
    {
        var json = "[" + string.Join(",", Enumerable.Range(0, 50).Select(i => Reading(i))) + ", {\"seq\": }]";

        Run(json).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Fact]
    public void DeepNestingIsRefusedWithoutExhaustingTheStack()
    {
        var json = new string('[', 30_000) + new string(']', 30_000);

        Run(json).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Fact]
    public void DeepNestingInsideAnUnknownFieldIsRefused()
    {
        var json = Reading(1, "\"x\":" + new string('[', 1000) + new string(']', 1000));

        Run(json).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Fact]
    public void ModerateNestingInsideAnUnknownFieldIsSkipped()
    {
        var json = "[" + Reading(1, "\"x\":" + new string('[', 20) + new string(']', 20)) + "]";

        Run(json).Accepted.Should().ContainSingle();
    }

    [Fact]
    public void HugeStringInAnUnknownFieldIsSkipped()
    {
        var json = Reading(1, "\"note\":\"" + new string('a', 60_000) + "\"");

        Run(json).SingleAccepted().Seq.Should().Be(1);
    }

    [Fact]
    public void HugeTsStringIsBadTs()
    {
        var json = "{\"seq\":1,\"ts\":\"2026-11-23T18:02:11" + new string('0', 60_000) + "Z\"}";

        Run(json).SingleRejection().Reason.Should().Be(RejectReason.BadTs);
    }

    [Fact]
    public void HugeEscapedTsStringIsBadTs()
    {
        var json = "{\"seq\":1,\"ts\":\"" + string.Concat(Enumerable.Repeat("\\u0030", 5_000)) + "\"}";

        Run(json).SingleRejection().Reason.Should().Be(RejectReason.BadTs);
    }

    [Fact]
    public void HugeNumberTokenIsHandled()
    {
        Run(Reading(1, "\"hr\":" + new string('9', 5_000))).SingleRejection().Reason.Should().Be(RejectReason.NotFinite);
        Run("{\"seq\":" + new string('9', 5_000) + ",\"ts\":\"" + Ts + "\"}").SingleRejection().Reason.Should().Be(RejectReason.BadSeq);
    }

    [Fact]
    public void UnicodeEscapesInPropertyNamesAreUnescaped()
    {
        var r = Run("""{"\u0073eq":12,"\u0074\u0073":"2026-11-23T18:02:11.250Z","\u0068r":88,"sp\u0065ed":1,"c\u0061dence":2,"\u0061cc":3,"l\u0061t":4,"lo\u006E":5}""")
            .SingleAccepted();

        r.Should().Be(new Reading(12, new DateTime(2026, 11, 23, 18, 2, 11, 250, DateTimeKind.Utc).Ticks, 88, 1, 2, 3, 4, 5));
    }

    [Theory]
    [InlineData("HR")]        // names are case-sensitive
    [InlineData("hr ")]
    [InlineData("h\u0000r")]
    [InlineData("ｈｒ")]       // full-width look-alike
    public void LookAlikeNamesAreUnknownFields(string name)
    {
        var json = "{\"seq\":1,\"ts\":\"" + Ts + "\"," + System.Text.Json.JsonSerializer.Serialize(name) + ":300}";

        Run(json).SingleAccepted().HasHr.Should().BeFalse();
    }

    [Fact]
    public void LeadingUtf8BomIsIgnored()
    {
        var payload = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Reading(3))).ToArray();

        Run(payload).SingleAccepted().Seq.Should().Be(3);
    }

    [Fact]
    public void BomAloneOrTwiceIsMalformedJson()
    {
        Run([0xEF, 0xBB, 0xBF]).ShouldBeRefused(RejectReason.MalformedJson);
        Run(new byte[] { 0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Reading(3))).ToArray())
            .ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Fact]
    public void Utf16PayloadIsMalformedJson()
    {
        Run(Encoding.Unicode.GetBytes(Reading(1))).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0xAF })]              // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]        // encoded surrogate
    [InlineData(new byte[] { 0xE2, 0x82 })]              // truncated € followed by '"'
    public void InvalidUtf8EvenInAnIgnoredFieldIsMalformedJson(byte[] bad)
    {
        var head = Encoding.UTF8.GetBytes("{\"seq\":1,\"ts\":\"" + Ts + "\",\"note\":\"ab");
        var payload = head.Concat(bad).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();

        Run(payload).ShouldBeRefused(RejectReason.MalformedJson);
    }

    [Fact]
    public void MultiByteCharactersAcrossSegmentBoundariesAreValid()
    {
        // €, 𝄞 and é straddle the 5-byte segments of the harness at several offsets
        for (int pad = 0; pad < 5; pad++)
        {
            var json = Reading(1, "\"note\":\"" + new string('x', pad) + "€𝄞é€𝄞\"");

            Run(json).SingleAccepted();
        }
    }

    [Fact]
    public void LoneSurrogateEscapesDoNotThrow()
    {
        Run("{\"seq\":1,\"ts\":\"\\ud800\"}").SingleRejection().Reason.Should().Be(RejectReason.BadTs);
        Run(Reading(1, "\"\\udc00x\":5")).SingleAccepted();
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(1234);
        var seed = Encoding.UTF8.GetBytes("[" + Reading(1, "\"hr\":70,\"lat\":1,\"lon\":2,\"x\":{\"y\":[1,\"\\u0041\"]}") + "]");
        for (int i = 0; i < 2_000; i++)
        {
            var mutated = (byte[])seed.Clone();
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            var act = () => Run(mutated);
            act.Should().NotThrow();
        }
    }
}
