using System.Buffers;
using System.Text;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Readings;

/// <summary>
/// Runs the parser on a payload both as one span and as a sequence split into 5-byte
/// segments (so names, numbers and timestamps straddle segment boundaries), and checks both
/// paths agree.
/// </summary>
internal static class ParseHarness
{
    /// <summary>The wall clock used by the tests: 2026-11-23T18:02:30Z.</summary>
    public static readonly long Now = new DateTime(2026, 11, 23, 18, 2, 30, DateTimeKind.Utc).Ticks;

    /// <summary>A valid ts 19 s before <see cref="Now"/>.</summary>
    public const string Ts = "2026-11-23T18:02:11.250Z";

    public static ParseResult Run(string json, ReadingValidationOptions? options = null) =>
        Run(Encoding.UTF8.GetBytes(json), options);

    public static ParseResult Run(byte[] payload, ReadingValidationOptions? options = null)
    {
        options ??= ReadingValidationOptions.Default;
        var accepted = new List<Reading>();
        var rejected = new List<ReadingRejection>();
        var outcome = ReadingParser.Parse(payload, Now, options, accepted, rejected);

        var segAccepted = new List<Reading>();
        var segRejected = new List<ReadingRejection>();
        var sequence = Segmented(payload, 5);
        var segOutcome = ReadingParser.Parse(sequence, Now, options, segAccepted, segRejected);

        segOutcome.Refusal.Should().Be(outcome.Refusal, "the segmented path must agree with the span path");
        (segOutcome.Accepted, segOutcome.Rejected).Should().Be((outcome.Accepted, outcome.Rejected));
        segAccepted.Should().Equal(accepted);
        segRejected.Should().Equal(rejected);

        outcome.Accepted.Should().Be(accepted.Count);
        outcome.Rejected.Should().Be(rejected.Count);
        return new ParseResult(outcome, accepted, rejected);
    }

    public static string Reading(long seq, string? extra = null) =>
        $"{{\"seq\":{seq},\"ts\":\"{Ts}\"{(extra is null ? "" : "," + extra)}}}";

    public static ReadOnlySequence<byte> Segmented(byte[] payload, int size)
    {
        if (payload.Length <= size)
        {
            // still force a multi-segment sequence (an empty first segment)
            var head = new Segment(ReadOnlyMemory<byte>.Empty, 0);
            var tail = head.Append(payload);
            return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
        }

        var first = new Segment(payload.AsMemory(0, size), 0);
        var last = first;
        for (int i = size; i < payload.Length; i += size)
        {
            last = last.Append(payload.AsMemory(i, Math.Min(size, payload.Length - i)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

internal sealed record ParseResult(ParseOutcome Outcome, List<Reading> Accepted, List<ReadingRejection> Rejected)
{
    public ReadingRejection SingleRejection()
    {
        Outcome.IsRefused.Should().BeFalse();
        Accepted.Should().BeEmpty();
        return Rejected.Should().ContainSingle().Subject;
    }

    public Reading SingleAccepted()
    {
        Outcome.IsRefused.Should().BeFalse();
        Rejected.Should().BeEmpty();
        return Accepted.Should().ContainSingle().Subject;
    }

    public void ShouldBeRefused(RejectReason reason)
    {
        Outcome.Refusal.Should().Be(reason);
        Outcome.Accepted.Should().Be(0);
        Outcome.Rejected.Should().Be(0);
        Accepted.Should().BeEmpty();
        Rejected.Should().BeEmpty();
    }
}
