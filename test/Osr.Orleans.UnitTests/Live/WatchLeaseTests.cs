using Osr.Orleans.Models.Live;

namespace Osr.Orleans.UnitTests.Live;

public sealed class WatchLeaseTests
{
    private static readonly long T0 = new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private static long At(double seconds) => T0 + (long)(seconds * TimeSpan.TicksPerSecond);

    [Fact]
    public void WithoutALeaseNothingIsDue()
    {
        var lease = new WatchLease();
        lease.Armed.Should().BeFalse();
        lease.IsLive(T0).Should().BeFalse();
        lease.TakeSnapshotSlot(T0, Interval).Should().BeFalse();
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(15.0, 15.0)]
    [InlineData(3600.0, 120.0)]
    public void ALeaseIsClampedToOneSecondToTwoMinutes(double requestedSeconds, double grantedSeconds)
    {
        var lease = new WatchLease();
        lease.Renew(T0, TimeSpan.FromSeconds(requestedSeconds)).Should().Be(At(grantedSeconds));
    }

    [Fact]
    public void ALiveLeaseGivesOneSnapshotSlotPerInterval()
    {
        var lease = new WatchLease();
        lease.Renew(T0, TimeSpan.FromSeconds(10));
        lease.TakeSnapshotSlot(At(0), Interval).Should().BeTrue();
        lease.TakeSnapshotSlot(At(0.1), Interval).Should().BeFalse("the last snapshot is 100 ms ago");
        lease.TakeSnapshotSlot(At(0.249), Interval).Should().BeFalse();
        lease.TakeSnapshotSlot(At(0.25), Interval).Should().BeTrue();
        lease.TakeSnapshotSlot(At(3), Interval).Should().BeTrue("a pause leaves the next reading due at once");
    }

    [Fact]
    public void ALeaseLapsesAtItsEndAndIsDisarmed()
    {
        var lease = new WatchLease();
        lease.Renew(T0, TimeSpan.FromSeconds(2));
        lease.IsLive(At(1.999)).Should().BeTrue();
        lease.TakeSnapshotSlot(At(2), Interval).Should().BeFalse();
        lease.Armed.Should().BeFalse("a lapsed lease costs one compare again");
        lease.UntilTicks.Should().Be(0);
    }

    [Fact]
    public void ARenewalExtendsButNeverShortens()
    {
        var lease = new WatchLease();
        lease.Renew(T0, TimeSpan.FromSeconds(60));
        lease.Renew(At(1), TimeSpan.FromSeconds(5)).Should().Be(At(60), "a second watcher's shorter lease does not cut the first one's");
        lease.Renew(At(58), TimeSpan.FromSeconds(15)).Should().Be(At(73));
    }

    [Fact]
    public void ANewLeaseAfterALapseGivesASnapshotAtOnce()
    {
        var lease = new WatchLease();
        lease.Renew(T0, TimeSpan.FromSeconds(1));
        lease.TakeSnapshotSlot(At(0.9), Interval).Should().BeTrue();
        lease.IsLive(At(1)).Should().BeFalse();
        lease.Renew(At(1.05), TimeSpan.FromSeconds(1));
        lease.TakeSnapshotSlot(At(1.05), Interval).Should().BeTrue("the interval restarts with the lease");
    }

    [Fact]
    public void TheGuardAllocatesNothing()
    {
        var unarmed = new WatchLease();
        var armed = new WatchLease();
        armed.Renew(T0, TimeSpan.FromSeconds(60));
        var now = T0;
        Allocations.Least(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                now += TimeSpan.TicksPerMillisecond;
                _ = unarmed.Armed && unarmed.TakeSnapshotSlot(now, Interval);
                _ = armed.Armed && armed.TakeSnapshotSlot(now, Interval);
            }
        }).Should().Be(0);
    }
}
