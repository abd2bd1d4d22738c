using Osr.Orleans.Models.Ingress;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Ingress;

public class ReadingBatchesTests
{
    private static Reading R(long seq) => new(seq, 1000 + seq, 60 + seq, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    private static List<Reading> Message(params long[] seqs) => [.. seqs.Select(R)];

    [Fact]
    public void RentHoldsTheReadingsInAnArrayOfTheirOwnLength()
    {
        var batches = new ReadingBatches();

        var batch = batches.Rent(Message(1, 2, 3));

        batch.Should().Equal(R(1), R(2), R(3));
    }

    [Fact]
    public void AReturnedArrayServesTheNextMessageOfTheSameLengthWithItsReadings()
    {
        var batches = new ReadingBatches();
        var first = batches.Rent(Message(1, 2));
        batches.Return(first);

        var other = batches.Rent(Message(7));
        var second = batches.Rent(Message(5, 6));

        other.Should().NotBeSameAs(first, "lengths are kept apart");
        second.Should().BeSameAs(first);
        second.Should().Equal(R(5), R(6));
        batches.FreeCount(2).Should().Be(0);
    }

    [Fact]
    public void AnArrayNotReturnedIsNeverHandedOutAgain()
    {
        var batches = new ReadingBatches();
        var inFlight = batches.Rent(Message(1));

        var next = batches.Rent(Message(2));

        next.Should().NotBeSameAs(inFlight);
        inFlight.Should().Equal(R(1));
    }

    [Fact]
    public void LongMessagesGetANewArrayAndAreNotKept()
    {
        var batches = new ReadingBatches();
        var seqs = Enumerable.Range(1, ReadingBatches.MaxLength + 1).Select(i => (long)i).ToArray();
        var batch = batches.Rent(Message(seqs));

        batches.Return(batch);

        batches.Rent(Message(seqs)).Should().NotBeSameAs(batch);
        batches.FreeCount(batch.Length).Should().Be(0);
    }

    [Fact]
    public void AtMostMaxPerLengthFreeArraysAreKept()
    {
        var batches = new ReadingBatches();
        var arrays = Enumerable.Range(0, ReadingBatches.MaxPerLength + 10).Select(i => batches.Rent(Message(i))).ToList();

        foreach (var a in arrays) batches.Return(a);

        batches.FreeCount(1).Should().Be(ReadingBatches.MaxPerLength);
    }

    [Fact]
    public void RentAndReturnOfAKeptLengthAllocateNothing()
    {
        var batches = new ReadingBatches();
        var message = Message(1);
        batches.Return(batches.Rent(message));

        Allocations.Least(() => batches.Return(batches.Rent(message))).Should().Be(0);
    }
}
