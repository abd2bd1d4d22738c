using System.Net;
using Osr.Orleans.Models.Door;

namespace Osr.Orleans.UnitTests.Door;

public sealed class AdmissionTests
{
    [Fact]
    public void TheBucketAllowsABurstThenTheRate()
    {
        var limiter = new AddressRateLimiter<int>(ratePerSecond: 2, burst: 3, capacity: 10);

        Enumerable.Range(0, 4).Select(_ => limiter.TryAcquire(1, 0)).Should().Equal(true, true, true, false);
        limiter.TryAcquire(1, 400).Should().BeFalse("0.8 of a token after 400 ms");
        limiter.TryAcquire(1, 500).Should().BeTrue("one token after 500 ms");
        limiter.TryAcquire(2, 500).Should().BeTrue("another address has its own bucket");
    }

    [Fact]
    public void AFullTableDropsRefilledBucketsAndOtherwiseSharesOneOverflowBucket()
    {
        var limiter = new AddressRateLimiter<int>(ratePerSecond: 1, burst: 2, capacity: 2);
        limiter.TryAcquire(1, 0);
        limiter.TryAcquire(2, 0);

        // Table full, nothing refilled: keys 3.. share the overflow bucket (burst 2).
        Enumerable.Range(3, 3).Select(k => limiter.TryAcquire(k, 0)).Should().Equal(true, true, false);
        limiter.Count.Should().Be(2);
        // Two seconds later both buckets refilled and are dropped for the new key.
        limiter.TryAcquire(9, 2000).Should().BeTrue();
        limiter.Count.Should().Be(1);
    }

    [Fact]
    public void ARateOfZeroMeansNoLimit()
    {
        var limiter = new AddressRateLimiter<int>(0, 1, 1);

        Enumerable.Range(0, 100).All(_ => limiter.TryAcquire(1, 0)).Should().BeTrue();
    }

    [Fact]
    public void TheBackoffStartsAfterTheFreeFailuresAndDoublesUpToTheMaximum()
    {
        Enumerable.Range(1, 8).Select(n => LoginBackoff<int>.Schedule(n, 5).TotalSeconds)
            .Should().Equal(0, 0, 0, 0, 1, 2, 4, 8);
        LoginBackoff<int>.Schedule(1000, 5).Should().Be(LoginBackoff<int>.MaxDelay);
    }

    [Fact]
    public void AKeyIsLockedAfterFiveFailuresUntilTheDelayPassedAndASuccessClearsIt()
    {
        var backoff = new LoginBackoff<string>(5, 100);
        for (var i = 0; i < 4; i++) backoff.Failure("a", i);
        backoff.IsLocked("a", 10, out _).Should().BeFalse();

        backoff.Failure("a", 100);

        backoff.IsLocked("a", 100, out var retry).Should().BeTrue();
        retry.Should().Be(TimeSpan.FromSeconds(1));
        backoff.IsLocked("a", 1100, out _).Should().BeFalse();
        backoff.Failure("a", 1100);
        backoff.IsLocked("a", 3000, out _).Should().BeTrue("the sixth failure locks for 2 s");
        backoff.Success("a");
        backoff.IsLocked("a", 3000, out _).Should().BeFalse();
    }

    [Fact]
    public void TheFailureTableIsBoundedAndForgetsOldKeysFirst()
    {
        var backoff = new LoginBackoff<int>(5, 2);
        backoff.Failure(1, 0);
        backoff.Failure(2, 0);
        backoff.Failure(3, 0);
        backoff.Count.Should().Be(2, "the table never holds more than its capacity");

        var later = (long)LoginBackoff<int>.ForgetAfter.TotalMilliseconds + 1;
        backoff.Failure(4, later);
        backoff.Count.Should().Be(1, "the old keys were forgotten to make room");
    }

    [Fact]
    public void AFullTableKeepsTrackingNewKeysAndKeepsThePersistentOnesLocked()
    {
        var backoff = new LoginBackoff<int>(5, 16);
        // Key 0 is persistent: 12 failures, locked for 2^7 s after its last one.
        for (var n = 0; n < 12; n++) backoff.Failure(0, n);
        // A flood of new keys, one failure each, fills the table many times over.
        for (var key = 1; key <= 1000; key++) backoff.Failure(key, 100 + key);

        backoff.Count.Should().BeLessThanOrEqualTo(16);
        backoff.IsLocked(0, 2_000, out _).Should().BeTrue("the longest lock is the last to be dropped");
        // The newest flood key is tracked: five more failures lock it.
        for (var n = 0; n < 5; n++) backoff.Failure(1000, 2_000 + n);
        backoff.IsLocked(1000, 2_005, out var retry).Should().BeTrue("a full table still tracks new keys");
        retry.Should().BeGreaterThan(TimeSpan.Zero);
        FluentActions.Invoking(() => new LoginBackoff<int>(5, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void AddressesAreKeyedByIpv4OrByIpv6Prefix()
    {
        AddressKey.Of(IPAddress.Parse("10.0.0.1")).Should().Be(AddressKey.Of(IPAddress.Parse("::ffff:10.0.0.1")));
        AddressKey.Of(IPAddress.Parse("10.0.0.1")).Should().NotBe(AddressKey.Of(IPAddress.Parse("10.0.0.2")));
        AddressKey.Of(IPAddress.Parse("2001:db8:1:2::1")).Should().Be(AddressKey.Of(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        AddressKey.Of(IPAddress.Parse("2001:db8:1:3::1")).Should().NotBe(AddressKey.Of(IPAddress.Parse("2001:db8:1:2::1")));
        AddressKey.Of(IPAddress.Parse("::")).Should().NotBe(AddressKey.Of(IPAddress.Parse("0.0.0.0")));
    }
}
