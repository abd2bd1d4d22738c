using Osr.Orleans.Models.Limits;

namespace Osr.Orleans.UnitTests.Limits;

public sealed class TokenBucketTests
{
    private static readonly long T0 = new DateTime(2026, 11, 23, 18, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public void BurstIsAvailableAtOnceThenTheRateRefills()
    {
        var bucket = new TokenBucket(capacity: 1000);

        bucket.TryTake(1000, T0, 50).Should().BeTrue();
        bucket.TryTake(1, T0, 50).Should().BeFalse();
        bucket.TryTake(50, T0 + TimeSpan.TicksPerSecond, 50).Should().BeTrue("one second refills 50 tokens");
        bucket.TryTake(1, T0 + TimeSpan.TicksPerSecond, 50).Should().BeFalse();
    }

    [Fact]
    public void RequestLargerThanTheAvailableTokensTakesNothing()
    {
        var bucket = new TokenBucket(20);

        bucket.TryTake(21, T0, 10).Should().BeFalse();
        bucket.TryTake(20, T0, 10).Should().BeTrue("a refused request must not consume tokens");
    }

    [Fact]
    public void RefillNeverExceedsTheCapacity()
    {
        var bucket = new TokenBucket(20);
        bucket.TryTake(20, T0, 10).Should().BeTrue();

        bucket.IsFull(T0 + TimeSpan.TicksPerHour, 10).Should().BeTrue();
        bucket.TryTake(21, T0 + TimeSpan.TicksPerHour, 10).Should().BeFalse();
        bucket.TryTake(20, T0 + TimeSpan.TicksPerHour, 10).Should().BeTrue();
    }

    [Fact]
    public void ClockGoingBackwardsDoesNotMintTokens()
    {
        var bucket = new TokenBucket(20);
        bucket.TryTake(20, T0 + TimeSpan.TicksPerSecond, 10).Should().BeTrue();

        bucket.TryTake(1, T0, 10).Should().BeFalse();
        bucket.TryTake(10, T0 + 2 * TimeSpan.TicksPerSecond, 10).Should().BeTrue();
    }

    [Fact]
    public void ADebtIsPaidBackBeforeTokensAreThereAgain()
    {
        var bucket = new TokenBucket(2);
        bucket.Refill(T0, 4);
        bucket.Take(3);

        bucket.Tokens.Should().Be(-1);
        bucket.WaitTicks(1, 4).Should().Be(TimeSpan.TicksPerSecond / 2, "two tokens at 4/s");
        bucket.Refill(T0 + TimeSpan.TicksPerSecond / 2, 4);
        bucket.WaitTicks(1, 4).Should().Be(0);
        bucket.TryTake(2, T0 + TimeSpan.TicksPerSecond / 2, 4).Should().BeFalse();
    }
}
