using System.Buffers;
using CsCheck;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.UnitTests.Readings;

namespace Osr.Orleans.UnitTests.Fuzz;

/// <summary>
/// The parsers devices and admins reach (readings and events over MQTT, the CSV importers) under generated and
/// mutated inputs (<see cref="FuzzInputs"/>): no input throws, a refusal always carries a reason and a detail, what is
/// accepted keeps the contract's bounds, and a payload split over buffer segments parses exactly like one buffer.
/// <see cref="FuzzInputs.Count"/> inputs per target: 20,000 in CI; <c>OSR_FUZZ_INPUTS=1000000</c> for the long run
/// (docs/operations.md, "Security"). A failing input is printed with its seed; keep it under <c>Fuzz/Corpus</c>.
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly ReadingValidationOptions Wall = ReadingValidationOptions.Default;
    private static readonly ReadingValidationOptions Event = new() { Mode = ClockMode.Event };

    [Fact]
    public void ReadingPayloadsNeverThrowAndEveryRefusalHasAReason()
    {
        FuzzInputs.Readings.Sample(bytes =>
        {
            CheckReadings(bytes, Wall);
            CheckReadings(bytes, Event);
        }, iter: FuzzInputs.Count);
    }

    [Fact]
    public void EventPayloadsNeverThrowAndEveryRefusalHasAReason()
    {
        FuzzInputs.Events.Sample(CheckEvent, iter: FuzzInputs.Count);
    }

    [Fact]
    public void CsvFilesNeverThrowButAFormatErrorAndEveryProblemNamesALine()
    {
        FuzzInputs.Csv.Sample(CheckCsv, iter: FuzzInputs.Count);
    }

    [Fact]
    public void EveryCorpusInputPassesAsItIs()
    {
        // The kept inputs also seed the mutations above; here each runs exactly as kept, every time.
        var readings = FuzzInputs.Corpus("readings");
        var events = FuzzInputs.Corpus("events");
        var csv = FuzzInputs.Corpus("csv");
        readings.Should().NotBeEmpty();
        events.Should().NotBeEmpty();
        csv.Should().NotBeEmpty();
        foreach (var bytes in readings)
        {
            CheckReadings(bytes, Wall);
            CheckReadings(bytes, Event);
        }
        foreach (var bytes in events) CheckEvent(bytes);
        foreach (var bytes in csv) CheckCsv(bytes);
    }

    private static void CheckEvent(byte[] bytes)
    {
        foreach (var options in (ReadingValidationOptions[])[Wall, Event])
        {
            var whole = EventParser.Parse(new ReadOnlySequence<byte>(bytes), ParseHarness.Now, options, out var reason, out var detail);
            var split = EventParser.Parse(ParseHarness.Segmented(bytes, Math.Max(1, bytes.Length / 3)), ParseHarness.Now, options,
                out var splitReason, out _);
            split.Should().Be(whole);
            splitReason.Should().Be(reason);
            if (whole is null)
            {
                reason.Should().NotBe(RejectReason.None);
                detail.Should().NotBeNullOrEmpty();
            }
            else
            {
                reason.Should().Be(RejectReason.None);
                if (whole.EventId is { } id) id.Length.Should().BeInRange(1, 64);
                if (options.Mode == ClockMode.Wall) InWallBounds(whole.TimestampUtcTicks).Should().BeTrue();
            }
        }
    }

    private static void CheckCsv(byte[] bytes)
    {
        CsvTable table;
        try
        {
            table = CsvReader.Parse(bytes);
        }
        catch (CsvFormatException e)
        {
            e.Line.Should().BeGreaterThanOrEqualTo(0);
            e.Problem.Should().NotBeNullOrWhiteSpace();
            return;
        }
        Problems(DeviceRow.ValidateAll(table).Errors, table);
        Problems(ItemRow.ValidateAll(table).Errors, table);
        Problems(UserRow.ValidateAll(table).Errors, table);

        using var reader = new CsvRecordReader(new MemoryStream(bytes), leaveOpen: false);
        var import = InteractionRows.Validate(reader);
        import.ProblemCount.Should().BeGreaterThanOrEqualTo(import.Problems.Count);
        foreach (var problem in import.Problems) problem.Message.Should().NotBeNullOrWhiteSpace();
        if (import.IsValid) import.ToSend.Should().Be(import.Rows - import.Skipped);
    }

    private static void CheckReadings(byte[] bytes, ReadingValidationOptions options)
    {
        var accepted = new List<Reading>();
        var rejected = new List<ReadingRejection>();
        var outcome = ReadingParser.Parse(bytes.AsSpan(), ParseHarness.Now, options, accepted, rejected);
        if (outcome.IsRefused)
        {
            outcome.Detail.Should().NotBeNullOrEmpty();
            accepted.Should().BeEmpty();
            rejected.Should().BeEmpty();
        }
        else
        {
            accepted.Should().HaveCount(outcome.Accepted);
            rejected.Should().HaveCount(outcome.Rejected);
            outcome.Total.Should().BeInRange(1, options.MaxBatch);
        }
        foreach (var r in rejected)
        {
            r.Reason.Should().NotBe(RejectReason.None);
            r.Detail.Should().NotBeNullOrEmpty();
        }
        foreach (var r in accepted)
        {
            r.Seq.Should().BeGreaterThanOrEqualTo(0);
            if (options.Mode == ClockMode.Wall) InWallBounds(r.TimestampUtcTicks).Should().BeTrue();
            foreach (var v in (double[])[r.Hr, r.Speed, r.Cadence, r.Acc, r.Lat, r.Lon]) (double.IsNaN(v) || double.IsFinite(v)).Should().BeTrue();
            double.IsNaN(r.Lat).Should().Be(double.IsNaN(r.Lon), "a position has both coordinates or none");
        }

        // The same payload in segments (as MQTTnet may hand it over) parses identically.
        var splitAccepted = new List<Reading>();
        var splitRejected = new List<ReadingRejection>();
        var split = ReadingParser.Parse(ParseHarness.Segmented(bytes, Math.Max(1, bytes.Length / 3)), ParseHarness.Now, options,
            splitAccepted, splitRejected);
        split.Refusal.Should().Be(outcome.Refusal);
        split.Accepted.Should().Be(outcome.Accepted);
        splitAccepted.Should().Equal(accepted);
        splitRejected.Select(r => (r.Seq, r.Reason)).Should().Equal(rejected.Select(r => (r.Seq, r.Reason)));
    }

    private static bool InWallBounds(long ticks) =>
        ticks >= ParseHarness.Now - Wall.MaxLateness.Ticks && ticks <= ParseHarness.Now + Wall.MaxSkew.Ticks;

    private static void Problems(IReadOnlyList<RowError> errors, CsvTable table)
    {
        var last = table.Rows.Count == 0 ? table.Header.Line : table.Rows[^1].Line;
        foreach (var e in errors)
        {
            e.Line.Should().BeInRange(0, last);
            e.Message.Should().NotBeNullOrWhiteSpace();
        }
    }
}
