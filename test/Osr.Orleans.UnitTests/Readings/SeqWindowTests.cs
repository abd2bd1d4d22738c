using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Readings;

public class SeqWindowTests
{
    private static Reading R(long seq) => new(seq, 1000 + seq, 60, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    [Fact]
    public void EmptyWindowTakesAnySeqIncludingZero()
    {
        SeqWindow.Empty.Check(0).Should().Be(SeqVerdict.Fresh);
        SeqWindow.Empty.Mark(0).Should().Be(new SeqWindow(0, 1));
    }

    [Fact]
    public void OlderSeqInsideTheWindowIsFreshOnceThenDuplicate()
    {
        var w = SeqWindow.Empty.Mark(10).Mark(12);

        w.Check(11).Should().Be(SeqVerdict.Fresh);
        w = w.Mark(11);
        w.Check(11).Should().Be(SeqVerdict.Duplicate);
        w.Check(12).Should().Be(SeqVerdict.Duplicate);
        w.Check(10).Should().Be(SeqVerdict.Duplicate);
        w.Check(9).Should().Be(SeqVerdict.Fresh, "never seen, inside the window");
        w.Last.Should().Be(12);
    }

    [Fact]
    public void SeqBelowTheWindowIsTooOld()
    {
        var w = SeqWindow.Empty.Mark(100);

        w.Check(100 - SeqWindow.Size + 1).Should().Be(SeqVerdict.Fresh);
        w.Check(100 - SeqWindow.Size).Should().Be(SeqVerdict.TooOld);
        w.Mark(100 - SeqWindow.Size).Should().Be(w, "marking below the window changes nothing");
    }

    [Fact]
    public void AJumpOfTheWholeWindowOrMoreForgetsTheOldBits()
    {
        var w = SeqWindow.Empty.Mark(5).Mark(6);

        w.Mark(6 + SeqWindow.Size).Should().Be(new SeqWindow(6 + SeqWindow.Size, 1));
        w.Mark(6 + SeqWindow.Size - 1).Seen.Should().Be(1UL | (1UL << (SeqWindow.Size - 1)), "seq 6 is the window's oldest bit");
    }

    [Fact]
    public void LegacyPositionTreatsEverythingAtOrBelowItAsSeen()
    {
        var w = SeqWindow.FromLegacy(40);

        w.Check(40).Should().Be(SeqVerdict.Duplicate);
        w.Check(39).Should().Be(SeqVerdict.Duplicate);
        w.Check(0).Should().Be(SeqVerdict.Duplicate);
        w.Check(41).Should().Be(SeqVerdict.Fresh);
        SeqWindow.FromLegacy(-1).Should().Be(SeqWindow.Empty);
    }

    [Fact]
    public void FreshSortedMessageIsReturnedAsIsAndAllocatesNothing()
    {
        Reading[] batch = [R(3), R(4), R(5)];
        var window = SeqWindow.Empty.Mark(2);

        var fresh = FreshReadings.Select(batch, window, out var duplicates, out var next);

        fresh.Should().BeSameAs(batch);
        duplicates.Should().Be(0);
        next.Should().Be(new SeqWindow(5, 0b1111));
        Allocations.Least(() => FreshReadings.Select(batch, window, out _, out _)).Should().Be(0);
    }

    [Fact]
    public void ReorderedAndRepeatedSeqsAreEachSelectedOnceInSeqOrder()
    {
        var window = SeqWindow.Empty.Mark(10);

        var fresh = FreshReadings.Select([R(13), R(11), R(13), R(10), R(12)], window, out var duplicates, out var next);

        fresh.Select(r => r.Seq).Should().Equal(11, 12, 13);
        duplicates.Should().Be(2);
        next.Should().Be(new SeqWindow(13, 0b1111));
    }

    [Fact]
    public void ALateReadingOfAnEarlierMessageIsFreshAfterItsSuccessor()
    {
        var afterSuccessor = SeqWindow.Empty.Mark(1).Mark(3); // message 2 overtaken by message 3

        var late = FreshReadings.Select([R(2)], afterSuccessor, out var duplicates, out var next);
        var again = FreshReadings.Select([R(2)], next, out var duplicatesAgain, out _);

        late.Select(r => r.Seq).Should().Equal(2);
        duplicates.Should().Be(0);
        again.Should().BeEmpty();
        duplicatesAgain.Should().Be(1);
    }

    [Fact]
    public void AMessageThatSpansMoreThanTheWindowKeepsItsOwnLowerSeqs()
    {
        var fresh = FreshReadings.Select([R(200), R(1), R(100)], SeqWindow.Empty, out var duplicates, out var next);

        fresh.Select(r => r.Seq).Should().Equal(1, 100, 200);
        duplicates.Should().Be(0);
        next.Last.Should().Be(200);
    }
}
