using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class RawScoreWindowTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 3, 1, 0, 30, 0, TimeSpan.Zero).UtcTicks;
    private static readonly long Hour = TimeSpan.TicksPerHour;

    [Fact]
    public void EmptyWindowHasNoRange()
    {
        var window = new RawScoreWindow(TimeSpan.FromHours(24), 24);
        window.TryGetRange(T0, out var min, out var max).Should().BeFalse();
        double.IsNaN(min).Should().BeTrue();
        double.IsNaN(max).Should().BeTrue();
        window.Snapshot().BucketStarts.Should().BeEmpty();
        window.Add(double.NaN, T0);
        window.Add(double.PositiveInfinity, T0);
        window.TryGetRange(T0, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void RangeCoversTheBucketsOfTheWindow()
    {
        var window = new RawScoreWindow();
        window.Window.Should().Be(TimeSpan.FromHours(24));
        window.Buckets.Should().Be(24);
        window.Add(0.2, T0);
        window.Add(-0.4, T0 + (10 * TimeSpan.TicksPerMinute));
        window.Add(0.9, T0 + (2 * Hour));

        window.TryGetRange(T0 + (3 * Hour), out var min, out var max).Should().BeTrue();
        (min, max).Should().Be((-0.4, 0.9));
    }

    [Fact]
    public void BucketsExpireAfterTheWindow()
    {
        var window = new RawScoreWindow(TimeSpan.FromHours(24), 24);
        window.Add(-1, T0);                 // bucket 00:00–01:00
        window.Add(2, T0 + (2 * Hour));     // bucket 02:00–03:00

        window.TryGetRange(T0 + (23 * Hour), out var min, out var max).Should().BeTrue();
        (min, max).Should().Be((-1, 2));    // 23:30: both buckets inside

        window.TryGetRange(T0 + (24 * Hour), out min, out max).Should().BeTrue();
        (min, max).Should().Be((2, 2));     // next day 00:30: the 00:00 bucket has left

        window.TryGetRange(T0 + (26 * Hour), out _, out _).Should().BeFalse();

        // A new sample reuses the expired slot; an old one cannot overwrite a newer bucket.
        window.Add(5, T0 + (24 * Hour));
        window.Add(-9, T0);
        window.TryGetRange(T0 + (24 * Hour), out min, out max).Should().BeTrue();
        (min, max).Should().Be((2, 5));
    }

    [Fact]
    public void MergeOfTwoWindowsIsTheWindowOfTheUnion()
    {
        var rng = new Random(17);
        var a = new RawScoreWindow(TimeSpan.FromHours(6), 12);
        var b = new RawScoreWindow(TimeSpan.FromHours(6), 12);
        var union = new RawScoreWindow(TimeSpan.FromHours(6), 12);
        for (var i = 0; i < 2000; i++)
        {
            var raw = (rng.NextDouble() * 4) - 2;
            var ticks = T0 + (long)(rng.NextDouble() * 10 * Hour);
            (i % 3 == 0 ? a : b).Add(raw, ticks);
            union.Add(raw, ticks);
        }

        a.Merge(b.Snapshot());

        var merged = a.Snapshot();
        var expected = union.Snapshot();
        merged.BucketStarts.Should().Equal(expected.BucketStarts);
        merged.Mins.Should().Equal(expected.Mins);
        merged.Maxes.Should().Equal(expected.Maxes);
        for (var h = 0; h <= 12; h++)
        {
            var now = T0 + (h * Hour);
            a.TryGetRange(now, out var min, out var max).Should().Be(union.TryGetRange(now, out var umin, out var umax));
            (min, max).Should().Be((umin, umax));
        }

        // Merging is idempotent.
        a.Merge(b.Snapshot());
        a.Snapshot().Mins.Should().Equal(expected.Mins);
    }

    [Fact]
    public void MergeRefusesADifferentBucketWidth()
    {
        var hourly = new RawScoreWindow(TimeSpan.FromHours(24), 24);
        var halfHourly = new RawScoreWindow(TimeSpan.FromHours(24), 48);
        halfHourly.Add(1, T0);
        FluentActions.Invoking(() => hourly.Merge(halfHourly.Snapshot())).Should().Throw<ArgumentException>().WithMessage("*ticks wide*");
        FluentActions.Invoking(() => hourly.Merge(new RawScoreWindowSnapshot(Hour, [0], [], []))).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void SnapshotListsNonEmptyBucketsOldestFirst()
    {
        var window = new RawScoreWindow(TimeSpan.FromHours(4), 4);
        window.Add(3, T0 + (2 * Hour));
        window.Add(1, T0);
        window.Add(2, T0 + (5 * TimeSpan.TicksPerMinute));
        var snapshot = window.Snapshot();
        snapshot.BucketTicks.Should().Be(Hour);
        snapshot.BucketStarts.Should().Equal(T0 - (30 * TimeSpan.TicksPerMinute), T0 + (90 * TimeSpan.TicksPerMinute));
        snapshot.Mins.Should().Equal(1, 3);
        snapshot.Maxes.Should().Equal(2, 3);
    }

    [Fact]
    public void AddDoesNotAllocate()
    {
        var window = new RawScoreWindow();
        for (var i = 0; i < 1000; i++)
        {
            window.Add(i * 0.001, T0 + (i * TimeSpan.TicksPerMinute));
        }

        var n = 0; // time keeps moving forward across the measured runs
        Allocations.Least(() =>
        {
            for (var i = 0; i < 10_000; i++, n++)
            {
                window.Add(Math.Sin(n), T0 + (n * TimeSpan.TicksPerSecond * 17));
            }
        }).Should().Be(0);
        window.TryGetRange(T0 + (48 * Hour), out _, out _).Should().BeTrue();
    }

    [Fact]
    public void ConcurrentAddsAndSnapshotsAreConsistent()
    {
        var window = new RawScoreWindow();
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                window.Add((worker * 0.1) + (i % 100 * 0.001), T0 + (i * TimeSpan.TicksPerSecond));
                if (i % 1000 == 0)
                {
                    var snapshot = window.Snapshot();
                    snapshot.Mins.Zip(snapshot.Maxes).Should().OnlyContain(p => p.First <= p.Second);
                }
            }
        });

        window.TryGetRange(T0 + (6 * Hour), out var min, out var max).Should().BeTrue();
        min.Should().Be(0);
        max.Should().BeApproximately(0.7 + 0.099, 1e-12);
    }

    [Fact]
    public void ConstructorValidatesTheGeometry()
    {
        FluentActions.Invoking(() => new RawScoreWindow(TimeSpan.FromHours(24), 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new RawScoreWindow(TimeSpan.Zero, 4)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new RawScoreWindow(TimeSpan.FromTicks(10), 3)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
