using Osr.Orleans.Grains.Metrics;

namespace Osr.Orleans.IntegrationTests.Silo;

public sealed class TokenBucketTests
{
    private static readonly long T0 = new DateTime(2026, 11, 23, 18, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public void BurstIsAvailableAtOnceThenTheRateRefills()
    {
        var bucket = new TokenBucket(ratePerSecond: 50, capacity: 1000);

        bucket.TryTake(1000, T0).Should().BeTrue();
        bucket.TryTake(1, T0).Should().BeFalse();
        bucket.TryTake(50, T0 + TimeSpan.TicksPerSecond).Should().BeTrue("one second refills 50 tokens");
        bucket.TryTake(1, T0 + TimeSpan.TicksPerSecond).Should().BeFalse();
    }

    [Fact]
    public void RequestLargerThanTheAvailableTokensTakesNothing()
    {
        var bucket = new TokenBucket(10, 20);

        bucket.TryTake(21, T0).Should().BeFalse();
        bucket.TryTake(20, T0).Should().BeTrue("a refused request must not consume tokens");
    }

    [Fact]
    public void RefillNeverExceedsTheCapacity()
    {
        var bucket = new TokenBucket(10, 20);
        bucket.TryTake(20, T0).Should().BeTrue();

        bucket.TryTake(21, T0 + TimeSpan.TicksPerHour).Should().BeFalse();
        bucket.TryTake(20, T0 + TimeSpan.TicksPerHour).Should().BeTrue();
    }

    [Fact]
    public void ClockGoingBackwardsDoesNotMintTokens()
    {
        var bucket = new TokenBucket(10, 20);
        bucket.TryTake(20, T0 + TimeSpan.TicksPerSecond).Should().BeTrue();

        bucket.TryTake(1, T0).Should().BeFalse();
        bucket.TryTake(10, T0 + 2 * TimeSpan.TicksPerSecond).Should().BeTrue();
    }
}
