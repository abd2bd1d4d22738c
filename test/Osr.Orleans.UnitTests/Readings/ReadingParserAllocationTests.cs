using System.Text;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Readings;

public class ReadingParserAllocationTests
{
    /// <summary>
    /// The bound: fewer than 100 bytes for the whole 100-reading message. Any per-reading
    /// heap allocation (even one 24-byte object per reading) would cost ≥ 2,400 bytes, so
    /// this proves the per-reading path is allocation-free; the slack covers runtime noise.
    /// </summary>
    private const long AllocationBound = 100;

    [Fact]
    public void ParsingAValid100ReadingArrayIntoAPresizedListAllocatesAlmostNothing()
    {
        var payload = Encoding.UTF8.GetBytes(ReadingParserTests.Batch(100));
        var options = new ReadingValidationOptions { Mode = ClockMode.Event };
        var accepted = new List<Reading>(100);
        var rejected = new List<ReadingRejection>(0);

        for (int i = 0; i < 50; i++)
        {
            accepted.Clear();
            ReadingParser.Parse(payload, ParseHarness.Now, options, accepted, rejected);
        }

        accepted.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = ReadingParser.Parse(payload, ParseHarness.Now, options, accepted, rejected);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        outcome.Accepted.Should().Be(100);
        allocated.Should().BeLessThan(AllocationBound);
    }

    [Fact]
    public void ParsingASegmentedSequenceWithEscapedNamesAllocatesAlmostNothing()
    {
        var json = ReadingParserTests.Batch(100).Replace("\"hr\"", "\"\\u0068r\"", StringComparison.Ordinal);
        var sequence = ParseHarness.Segmented(Encoding.UTF8.GetBytes(json), 4096);
        var options = new ReadingValidationOptions { Mode = ClockMode.Event };
        var accepted = new List<Reading>(100);
        var rejected = new List<ReadingRejection>(0);

        for (int i = 0; i < 50; i++)
        {
            accepted.Clear();
            ReadingParser.Parse(sequence, ParseHarness.Now, options, accepted, rejected);
        }

        accepted.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = ReadingParser.Parse(sequence, ParseHarness.Now, options, accepted, rejected);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        outcome.Accepted.Should().Be(100);
        accepted.Should().OnlyContain(r => r.Hr == 70.5);
        allocated.Should().BeLessThan(AllocationBound);
    }
}
