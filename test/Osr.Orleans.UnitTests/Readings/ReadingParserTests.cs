using System.Text;
using Osr.Orleans.Models.Readings;
using static Osr.Orleans.UnitTests.Readings.ParseHarness;

namespace Osr.Orleans.UnitTests.Readings;

public class ReadingParserTests
{
    private static readonly long TsTicks = new DateTime(2026, 11, 23, 18, 2, 11, 250, DateTimeKind.Utc).Ticks;

    [Fact]
    public void ContractExampleIsAcceptedWithEveryField()
    {
        var r = Run("""
            {"seq": 1042, "ts": "2026-11-23T18:02:11.250Z", "hr": 152, "speed": 3.1, "cadence": 168,
             "acc": 2.4, "lat": 52.3702, "lon": 4.8952}
            """).SingleAccepted();

        r.Should().Be(new Reading(1042, TsTicks, 152, 3.1, 168, 2.4, 52.3702, 4.8952));
    }

    [Fact]
    public void MissingSensorsAreNaN()
    {
        var r = Run(Reading(7)).SingleAccepted();

        r.Seq.Should().Be(7);
        r.TimestampUtcTicks.Should().Be(TsTicks);
        r.HasHr.Should().BeFalse();
        r.HasSpeed.Should().BeFalse();
        r.HasCadence.Should().BeFalse();
        r.HasAcc.Should().BeFalse();
        r.HasPosition.Should().BeFalse();
        double.IsNaN(r.Lon).Should().BeTrue();
    }

    [Fact]
    public void ExplicitNullSensorMeansAbsent()
    {
        var r = Run(Reading(1, "\"hr\":null,\"speed\":1.5,\"lat\":null,\"lon\":null")).SingleAccepted();

        r.HasHr.Should().BeFalse();
        r.Speed.Should().Be(1.5);
        r.HasPosition.Should().BeFalse();
    }

    [Fact]
    public void UnknownFieldsOfAnyShapeAreIgnored()
    {
        var r = Run(Reading(3, """
            "battery": 0.7, "fw": "1.2.3", "ok": true, "x": null,
            "meta": {"a": [1, {"b": {"hr": 999}}], "seq": -1}, "list": [[[]], {"ts": 5}], "hr": 60
            """)).SingleAccepted();

        r.Seq.Should().Be(3);
        r.Hr.Should().Be(60);
    }

    [Fact]
    public void DuplicateKeysLastOneWins()
    {
        Run(Reading(1, "\"hr\":300,\"hr\":61")).SingleAccepted().Hr.Should().Be(61);
        Run(Reading(1, "\"hr\":61,\"hr\":300")).SingleRejection().Reason.Should().Be(RejectReason.OutOfRange);
        Run("""{"seq":"x","seq":5,"ts":"2026-11-23T18:02:11.250Z"}""").SingleAccepted().Seq.Should().Be(5);
    }

    [Fact]
    public void ZeroSeqAndBoundaryValuesAreAccepted()
    {
        var r = Run(Reading(0, "\"hr\":20,\"speed\":100,\"cadence\":300,\"acc\":0,\"lat\":-90,\"lon\":180")).SingleAccepted();

        r.Should().Be(new Reading(0, TsTicks, 20, 100, 300, 0, -90, 180));
    }

    // ---- one test per rejection reason (per reading) ----

    [Fact]
    public void NonObjectArrayElementIsNotAnObject()
    {
        var res = Run($"[{Reading(1)}, 5, \"x\", [1,2], null, {Reading(2)}]");

        res.Accepted.Select(a => a.Seq).Should().Equal(1, 2);
        res.Rejected.Should().HaveCount(4).And.OnlyContain(j => j.Reason == RejectReason.NotAnObject && j.Seq == null);
    }

    [Theory]
    [InlineData("""{"ts":"2026-11-23T18:02:11.250Z"}""")]
    [InlineData("""{"seq":null,"ts":"2026-11-23T18:02:11.250Z"}""")]
    public void AbsentSeqIsMissingSeq(string json)
    {
        var j = Run(json).SingleRejection();

        j.Reason.Should().Be(RejectReason.MissingSeq);
        j.Seq.Should().BeNull();
        j.Detail.Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("""{"seq":7}""")]
    [InlineData("""{"seq":7,"ts":null}""")]
    public void AbsentTsIsMissingTs(string json)
    {
        var j = Run(json).SingleRejection();

        j.Reason.Should().Be(RejectReason.MissingTs);
        j.Seq.Should().Be(7);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("9223372036854775808")]
    [InlineData("9223372036854775807")]  // long.MaxValue would leave no room after it
    [InlineData("9007199254740992")]     // 2^53
    [InlineData("1e400")]
    public void NegativeFractionalOrOverflowingSeqIsBadSeq(string seq)
    {
        var j = Run($"{{\"seq\":{seq},\"ts\":\"{Ts}\"}}").SingleRejection();

        j.Reason.Should().Be(RejectReason.BadSeq);
        j.Seq.Should().BeNull();
    }

    [Fact]
    public void LargestSeqIsAccepted() =>
        Run(Reading(ReadingParser.MaxSeq)).SingleAccepted().Seq.Should().Be((1L << 53) - 1);

    [Theory]
    [InlineData("2026-11-23T18:02:11.250")]          // no offset
    [InlineData("2026-11-23T18:02:11")]              // no offset
    [InlineData("2026-11-23 18:02:11Z")]             // space separator
    [InlineData("2026-11-23T18:02:11.Z")]            // empty fraction
    [InlineData("2026-02-30T18:02:11Z")]             // no such day
    [InlineData("2026-13-01T18:02:11Z")]
    [InlineData("2026-11-23T24:00:00Z")]
    [InlineData("2026-11-23T18:60:00Z")]
    [InlineData("2026-12-31T23:59:60Z")]             // leap second: documented as bad-ts
    [InlineData("2026-11-23T18:02:11+2:00")]
    [InlineData("2026-11-23T18:02:11+02:60")]
    [InlineData("2026-11-23T18:02:11+0200")]
    [InlineData("2026-11-23T18:02:11Zjunk")]
    [InlineData("0001-01-01T00:00:00+01:00")]        // before DateTime.MinValue in UTC
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("１２３４-11-23T18:02:11Z")]          // full-width digits
    public void TsWithoutOffsetOrInvalidIsBadTs(string ts)
    {
        var j = Run($"{{\"seq\":9,\"ts\":\"{ts}\"}}", new ReadingValidationOptions { Mode = ClockMode.Event }).SingleRejection();

        j.Reason.Should().Be(RejectReason.BadTs);
        j.Seq.Should().Be(9);
    }

    [Theory]
    [InlineData("\"seq\":\"7\",\"ts\":\"2026-11-23T18:02:11Z\"")]
    [InlineData("\"seq\":true,\"ts\":\"2026-11-23T18:02:11Z\"")]
    [InlineData("\"seq\":{\"v\":7},\"ts\":\"2026-11-23T18:02:11Z\"")]
    [InlineData("\"seq\":7,\"ts\":1764000000")]
    [InlineData("\"seq\":7,\"ts\":[\"2026-11-23T18:02:11Z\"]")]
    [InlineData("\"seq\":7,\"ts\":\"2026-11-23T18:02:11Z\",\"hr\":\"120\"")]
    [InlineData("\"seq\":7,\"ts\":\"2026-11-23T18:02:11Z\",\"speed\":false")]
    [InlineData("\"seq\":7,\"ts\":\"2026-11-23T18:02:11Z\",\"cadence\":{}")]
    [InlineData("\"seq\":7,\"ts\":\"2026-11-23T18:02:11Z\",\"acc\":[1]")]
    [InlineData("\"seq\":7,\"ts\":\"2026-11-23T18:02:11Z\",\"lat\":\"52\",\"lon\":4")]
    [InlineData("\"seq\":7,\"ts\":\"2026-11-23T18:02:11Z\",\"hr\":\"NaN\"")]
    public void NonNumberWhereANumberIsExpectedIsWrongType(string body)
    {
        Run("{" + body + "}").SingleRejection().Reason.Should().Be(RejectReason.WrongType);
    }

    [Theory]
    [InlineData("hr", "1e400")]
    [InlineData("speed", "-1e400")]
    [InlineData("acc", "1.7976931348623157e309")]
    public void NumberTooLargeForDoubleIsNotFinite(string field, string value)
    {
        var j = Run(Reading(4, $"\"{field}\":{value}")).SingleRejection();

        j.Reason.Should().Be(RejectReason.NotFinite);
        j.Seq.Should().Be(4);
        j.Detail.Should().StartWith(field);
    }

    [Theory]
    [InlineData("hr", 300, "hr=300 outside 20–250")]
    [InlineData("hr", 19.9, "hr=19.9 outside 20–250")]
    [InlineData("speed", -0.1, "speed=-0.1 outside 0–100")]
    [InlineData("speed", 100.5, "speed=100.5 outside 0–100")]
    [InlineData("cadence", 301, "cadence=301 outside 0–300")]
    [InlineData("acc", 200.01, "acc=200.01 outside 0–200")]
    public void SensorOutsideContractRangeIsOutOfRange(string field, double value, string detail)
    {
        var j = Run(Reading(5, $"\"{field}\":{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}")).SingleRejection();

        j.Should().Be(new ReadingRejection(5, RejectReason.OutOfRange, detail));
    }

    [Theory]
    [InlineData(90.5, 4.0)]
    [InlineData(52.0, -180.1)]
    public void PositionOutsideContractRangeIsOutOfRange(double lat, double lon)
    {
        var j = Run(Reading(5, FormattableString.Invariant($"\"lat\":{lat},\"lon\":{lon}"))).SingleRejection();

        j.Reason.Should().Be(RejectReason.OutOfRange);
    }

    [Theory]
    [InlineData("\"lat\":52.37")]
    [InlineData("\"lon\":4.89")]
    [InlineData("\"lat\":52.37,\"lon\":null")]
    public void LatOrLonAloneIsLatWithoutLon(string fields)
    {
        Run(Reading(6, fields)).SingleRejection().Reason.Should().Be(RejectReason.LatWithoutLon);
    }

    [Fact]
    public void WallClockRejectsTsOlderThanMaxLatenessAsTooLate()
    {
        var justInside = new DateTime(Now - TimeSpan.FromMinutes(10).Ticks, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
        var outside = new DateTime(Now - TimeSpan.FromMinutes(10).Ticks - 1, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");

        Run($"{{\"seq\":1,\"ts\":\"{justInside}\"}}").SingleAccepted();
        var j = Run($"{{\"seq\":1,\"ts\":\"{outside}\"}}").SingleRejection();

        j.Reason.Should().Be(RejectReason.TooLate);
        j.Seq.Should().Be(1);
    }

    [Fact]
    public void WallClockRejectsTsBeyondMaxSkewAsTooEarly()
    {
        Run("""{"seq":1,"ts":"2026-11-23T18:03:00Z"}""").SingleAccepted(); // now + 30 s exactly
        var j = Run("""{"seq":1,"ts":"2026-11-23T18:03:00.001Z"}""").SingleRejection();

        j.Reason.Should().Be(RejectReason.TooEarly);
    }

    [Fact]
    public void EventClockAppliesNoWallClockBound()
    {
        var options = new ReadingValidationOptions { Mode = ClockMode.Event };

        Run("""[{"seq":1,"ts":"2019-01-01T00:00:00Z"},{"seq":2,"ts":"2031-01-01T00:00:00Z"}]""", options)
            .Accepted.Should().HaveCount(2);
    }

    [Fact]
    public void FaultsAreReportedInFixedFieldOrderNotPayloadOrder()
    {
        Run("""{"hr":999,"ts":"bad","seq":-4}""").SingleRejection().Reason.Should().Be(RejectReason.BadSeq);
        Run("""{"hr":999,"ts":"bad","seq":4}""").SingleRejection().Reason.Should().Be(RejectReason.BadTs);
        Run(Reading(4, "\"lat\":1,\"hr\":999")).SingleRejection().Reason.Should().Be(RejectReason.OutOfRange);
    }

    // ---- offsets ----

    [Theory]
    [InlineData("2026-11-23T20:02:11.250+02:00")]
    [InlineData("2026-11-23T12:32:11.250-05:30")]
    [InlineData("2026-11-23t18:02:11.250z")]
    [InlineData("2026-11-23T18:02:11.250-00:00")]
    [InlineData("2026-11-24T03:02:11.250+09:00")]
    public void OffsetsAreConvertedToUtc(string ts)
    {
        Run($"{{\"seq\":1,\"ts\":\"{ts}\"}}").SingleAccepted().TimestampUtcTicks.Should().Be(TsTicks);
    }

    [Fact]
    public void EscapedTsIsUnescapedBeforeParsing()
    {
        Run("""{"seq":1,"ts":"2026-11-23T18:02:11.250\u005A"}""").SingleAccepted().TimestampUtcTicks.Should().Be(TsTicks);
        Run("""{"seq":1,"ts":"\u0032026-11-23T20:02:11.250\u002B02:00"}""").SingleAccepted().TimestampUtcTicks.Should().Be(TsTicks);
    }

    // ---- batches ----

    [Fact]
    public void MixedArrayAcceptsGoodReadingsAndRejectsEachBadOneWithItsReason()
    {
        var json = "[" + string.Join(",",
            Reading(1, "\"hr\":70"),
            Reading(2, "\"hr\":300"),
            """{"ts":"2026-11-23T18:02:11Z"}""",
            Reading(4, "\"lat\":52.1"),
            Reading(5, "\"speed\":\"fast\""),
            Reading(6, "\"cadence\":90"),
            """{"seq":7,"ts":"2026-11-23T18:02:11"}""",
            Reading(8, "\"acc\":1e400"),
            Reading(9)) + "]";

        var res = Run(json);

        res.Outcome.Should().Be(new ParseOutcome(RejectReason.None, 3, 6, null));
        res.Accepted.Select(a => a.Seq).Should().Equal(1, 6, 9);
        res.Rejected.Select(j => (j.Seq, j.Reason)).Should().Equal(
            (2L, RejectReason.OutOfRange),
            (null, RejectReason.MissingSeq),
            (4L, RejectReason.LatWithoutLon),
            (5L, RejectReason.WrongType),
            (7L, RejectReason.BadTs),
            (8L, RejectReason.NotFinite));
    }

    [Fact]
    public void SingleRejectedObjectIsNotARefusal()
    {
        var res = Run(Reading(1, "\"hr\":5"));

        res.Outcome.Should().Be(new ParseOutcome(RejectReason.None, 0, 1, null));
    }

    [Fact]
    public void ExactlyMaxBatchReadingsAreAccepted()
    {
        var res = Run(Batch(500));

        res.Outcome.Should().Be(new ParseOutcome(RejectReason.None, 500, 0, null));
        res.Accepted.Select(a => a.Seq).Should().Equal(Enumerable.Range(0, 500).Select(i => (long)i));
    }

    [Fact]
    public void OneMoreThanMaxBatchRefusesTheWholeMessage()
    {
        Run(Batch(501)).ShouldBeRefused(RejectReason.TooManyReadings);
    }

    [Fact]
    public void MaxBatchCountsInvalidElementsToo()
    {
        Run("[" + string.Join(",", Enumerable.Repeat("1", 501)) + "]").ShouldBeRefused(RejectReason.TooManyReadings);
    }

    [Fact]
    public void MaxBatchIsConfigurable()
    {
        var options = new ReadingValidationOptions { MaxBatch = 3 };

        Run(Batch(3), options).Accepted.Should().HaveCount(3);
        Run(Batch(4), options).ShouldBeRefused(RejectReason.TooManyReadings);
    }

    [Fact]
    public void EmptyArrayIsEmptyBatch()
    {
        Run("[]").ShouldBeRefused(RejectReason.EmptyBatch);
        Run(" [ ] ").ShouldBeRefused(RejectReason.EmptyBatch);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("\"reading\"")]
    [InlineData("true")]
    [InlineData("null")]
    public void TopLevelScalarIsRefusedAsNotAnObject(string json)
    {
        Run(json).ShouldBeRefused(RejectReason.NotAnObject);
    }

    // ---- size ----

    [Fact]
    public void PayloadOfExactlyMaxBytesIsReadAndOneMoreIsOversize()
    {
        var reading = Reading(1);
        var padded = reading + new string(' ', 65536 - Encoding.UTF8.GetByteCount(reading));

        Run(padded).SingleAccepted();
        Run(padded + " ").ShouldBeRefused(RejectReason.Oversize);
    }

    [Fact]
    public void OversizeIsCheckedBeforeParsing()
    {
        var garbage = new byte[70_000]; // not JSON at all: would be malformed-json if parsed

        Run(garbage).ShouldBeRefused(RejectReason.Oversize);
    }

    internal static string Batch(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => Reading(i, "\"hr\":70.5,\"speed\":1.2,\"cadence\":100,\"acc\":0.5,\"lat\":52.37,\"lon\":4.89"))) + "]";
}
