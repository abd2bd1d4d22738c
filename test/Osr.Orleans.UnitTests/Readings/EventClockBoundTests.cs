using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Readings;

public class EventClockBoundTests
{
    private static readonly long Wall = new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly TimeSpan Lead = TimeSpan.FromDays(7);

    private static Reading At(long ticks) => new(1, ticks, 60, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    [Fact]
    public void AReplayOfThePastMayJumpAnyGapUpToTheWallClock()
    {
        var userAt = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var latest = EventClockBound.Latest(userAt, Wall, Lead);

        latest.Should().Be(Wall + Lead.Ticks);
        EventClockBound.FirstBeyond([At(new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc).Ticks)], latest).Should().Be(-1);
    }

    [Fact]
    public void AYear9999ReadingIsBeyondTheBound()
    {
        var latest = EventClockBound.Latest(Wall, Wall, Lead);

        EventClockBound.FirstBeyond([At(Wall), At(DateTime.MaxValue.Ticks - 1), At(Wall + 1)], latest).Should().Be(1);
    }

    [Fact]
    public void ASimulatedFutureAdvancesAtMostTheLeadAheadOfTheUser()
    {
        var userAt = Wall + TimeSpan.FromDays(30).Ticks;
        var latest = EventClockBound.Latest(userAt, Wall, Lead);

        EventClockBound.FirstBeyond([At(userAt + Lead.Ticks)], latest).Should().Be(-1);
        EventClockBound.FirstBeyond([At(userAt + Lead.Ticks + 1)], latest).Should().Be(0);
    }

    [Fact]
    public void TheBoundSaturatesInsteadOfOverflowing()
    {
        EventClockBound.Latest(DateTime.MaxValue.Ticks - 5, Wall, Lead).Should().Be(DateTime.MaxValue.Ticks);
    }
}
