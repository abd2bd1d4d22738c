using Osr.Orleans.Models.Ingress;
using Osr.Orleans.Models.Limits;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Ingress;

public class DeviceIntakeTests
{
    private const double Rate = 10;
    private const long Second = TimeSpan.TicksPerSecond;

    private static Reading R(long seq) => new(seq, 1000 + seq, 60, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    private static Reading[] Rs(params long[] seqs) => [.. seqs.Select(R)];

    [Fact]
    public void FreshInOrderMessagePassesAsItIsAndMarksTheWindow()
    {
        var bucket = new TokenBucket(100);
        var message = Rs(1, 2, 3);

        var d = DeviceIntake.Admit(message, ref bucket, SeqWindow.Empty, 0, Rate, 1000);

        d.Refused.Should().Be(RejectReason.None);
        d.Fresh.Should().BeSameAs(message, "the common case copies nothing");
        d.Duplicates.Should().Be(0);
        d.Next.Should().Be(new SeqWindow(3, 0b111));
        bucket.Tokens.Should().Be(97);
    }

    [Fact]
    public void DuplicatesCostQuotaButAreNotPassedOn()
    {
        var bucket = new TokenBucket(100);
        var window = SeqWindow.Empty.Mark(1).Mark(2);

        var d = DeviceIntake.Admit(Rs(2, 1, 3, 3), ref bucket, window, 0, Rate, 1000);

        d.Fresh.Select(r => r.Seq).Should().Equal(3);
        d.Duplicates.Should().Be(3);
        d.Next.Last.Should().Be(3);
        bucket.Tokens.Should().Be(96, "every reading of the message counts against the device's quota");
    }

    [Fact]
    public void OverTheQuotaTheWholeMessageIsRefusedAndTakesNothing()
    {
        var bucket = new TokenBucket(5);
        var window = SeqWindow.Empty.Mark(1);

        var d = DeviceIntake.Admit(Rs(2, 3, 4, 5, 6, 7), ref bucket, window, 0, Rate, 1000);

        d.Refused.Should().Be(RejectReason.QuotaExceeded);
        d.Fresh.Should().BeEmpty();
        d.Next.Should().Be(window);
        bucket.Tokens.Should().Be(5);
        DeviceIntake.Admit(Rs(2, 3, 4, 5, 6), ref bucket, window, 0, Rate, 1000).Refused.Should().Be(RejectReason.None);
        DeviceIntake.AdmitEvent(ref bucket, 0, Rate).Should().BeFalse("the five readings spent the bucket");
        DeviceIntake.AdmitEvent(ref bucket, Second / 10, Rate).Should().BeTrue("a tenth of a second refills one at 10/s");
    }

    [Fact]
    public void ASeqJumpBeyondTheBoundIsRefusedAndLeavesTheWindow()
    {
        var bucket = new TokenBucket(100);
        var window = SeqWindow.Empty.Mark(10);

        var jump = DeviceIntake.Admit(Rs(11, 10 + 1001), ref bucket, window, 0, Rate, 1000);
        var withinBound = DeviceIntake.Admit(Rs(1010), ref bucket, window, 0, Rate, 1000);

        jump.Refused.Should().Be(RejectReason.SeqJump);
        jump.Next.Should().Be(window);
        withinBound.Refused.Should().Be(RejectReason.None);
        withinBound.Next.Last.Should().Be(1010);
    }

    [Fact]
    public void TheFirstMessageOfAnEpochSetsThePositionWhateverItsSeq()
    {
        var bucket = new TokenBucket(100);

        var d = DeviceIntake.Admit(Rs(long.MaxValue / 2), ref bucket, SeqWindow.Empty, 0, Rate, 1000);

        d.Refused.Should().Be(RejectReason.None);
        d.Next.Last.Should().Be(long.MaxValue / 2);
    }

    [Fact]
    public void AFreshInOrderMessageAllocatesNothing()
    {
        var bucket = new TokenBucket(1_000_000);
        var message = Rs(1, 2, 3, 4);
        var window = SeqWindow.Empty;

        var bytes = Allocations.Least(() => DeviceIntake.Admit(message, ref bucket, window, 0, Rate, 1000));

        bytes.Should().Be(0);
    }
}
