using Osr.Orleans.Benchmarks.Ingest;

namespace Osr.Orleans.UnitTests.Benchmarks;

public class FloodStatisticsTests
{
    private static long[] Range(long from, long to, long step = 1)
    {
        var values = new List<long>();
        for (var v = from; v <= to; v += step) values.Add(v);
        return [.. values];
    }

    [Fact]
    public void Percentile_is_the_nearest_rank()
    {
        var hundred = Range(1, 100);
        FloodStatistics.Percentile(hundred, 50).Should().Be(50);
        FloodStatistics.Percentile(hundred, 99).Should().Be(99);
        FloodStatistics.Percentile(hundred, 100).Should().Be(100);
        FloodStatistics.Percentile(hundred, 0).Should().Be(1);
        FloodStatistics.Percentile(Range(1, 10), 99).Should().Be(10);   // ⌈9.9⌉ = 10th
        FloodStatistics.Percentile(Range(1, 10), 50).Should().Be(5);
    }

    [Fact]
    public void A_weighted_pool_counts_a_round_as_often_as_its_weight()
    {
        var pool = PooledSamples.Of([[3, 1, 2], [20, 10]]);
        // Weights 2, 1: the pool is 1 1 2 2 3 3 10 20.
        pool.Percentile([2, 1], 50).Should().Be(2);    // 4th of 8
        pool.Percentile([2, 1], 60).Should().Be(3);    // 5th
        pool.Percentile([2, 1], 75).Should().Be(3);    // 6th, found walking down
        pool.Percentile([2, 1], 87.5).Should().Be(10); // 7th
        pool.Percentile([2, 1], 99).Should().Be(20);   // 8th
        pool.Percentile([0, 1], 50).Should().Be(10);
        pool.Percentile([0, 1], 99).Should().Be(20);
        pool.Percentile([1, 0], 99).Should().Be(3);
    }

    [Fact]
    public void A_weighted_pool_agrees_with_the_repeated_samples()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            long[][] rounds = [.. Enumerable.Range(0, 1 + random.Next(4)).Select(_ => Enumerable.Range(0, 1 + random.Next(30)).Select(_ => (long)random.Next(50)).ToArray())];
            var weights = rounds.Select(_ => random.Next(3)).ToArray();
            if (weights.All(w => w == 0)) weights[0] = 1;
            var repeated = FloodStatistics.Sorted([.. rounds.SelectMany((r, i) => Enumerable.Repeat(r, weights[i]).SelectMany(x => x))]);
            var pool = PooledSamples.Of(rounds);
            foreach (var p in new[] { 1.0, 50, 90, 99, 100 })
                pool.Percentile(weights, p).Should().Be(FloodStatistics.Percentile(repeated, p), $"trial {trial}, p{p}");
        }
    }

    [Fact]
    public void When_every_round_doubles_the_interval_is_the_point()
    {
        FloodRound[] rounds = [new(1, Range(1, 100), Range(2, 200, 2)), new(2, Range(101, 200), Range(202, 400, 2))];
        var c = FloodStatistics.Compare(rounds, 1000, seed: 1);
        (c.P99Without, c.P99With).Should().Be((198, 396));   // 198th of 1..200, and twice that
        (c.P50Without, c.P50With).Should().Be((100, 200));
        c.P99Ratio.Should().Be(2);
        (c.CiLow, c.CiHigh).Should().Be((2, 2));
        c.MedianRoundRatio.Should().Be(2);
    }

    [Fact]
    public void The_bootstrap_keeps_the_runs_of_a_round_together()
    {
        // Round 1: no change (p99 99 vs 99); round 2: three times slower (99 vs 297). A draw picks (1,1) with probability
        // 1/4 (ratio 1), (2,2) with 1/4 (ratio 3), one of each with 1/2 (pooled: 294 / 99). Unpaired draws would give other ratios.
        FloodRound[] rounds = [new(1, Range(1, 100), Range(1, 100)), new(2, Range(1, 100), Range(3, 300, 3))];
        var c = FloodStatistics.Compare(rounds, 10_000, seed: 1);
        c.P99Ratio.Should().BeApproximately(294.0 / 99, 1e-12);
        (c.CiLow, c.CiHigh).Should().Be((1, 3));
        c.MedianRoundRatio.Should().Be(2);
        FloodStatistics.Compare(rounds, 10_000, seed: 1).Should().Be(c);   // seeded: the same draws
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        FloodStatistics.Median([3.0, 1, 2]).Should().Be(2);
        FloodStatistics.Median([4.0, 1, 3, 2]).Should().Be(2.5);
    }
    [Fact]
    public void A_phased_run_pairs_each_flood_period_with_the_period_before_it()
    {
        // Periods of 1,000 ms: 10 (partial, first), 11 flood, 12, 13 flood, 14 (last, partial); 10 samples each.
        var samples = new List<(long, long)>();
        for (var k = 10; k <= 14; k++)
            for (var i = 0; i < 10; i++) samples.Add((k * 100 + i, k * 1000L + i * 100));

        var rounds = FloodStatistics.PhasePairs(samples, 1000, firstRound: 7);

        // 11 has no measured period before it (10 is left out); 13 pairs with 12; 14 is left out.
        rounds.Should().ContainSingle();
        rounds[0].Round.Should().Be(7);
        rounds[0].Without.Should().Equal(Range(1200, 1209));
        rounds[0].With.Should().Equal(Range(1300, 1309));
        FloodStatistics.FloodsAt(13_500, 1000).Should().BeTrue();
        FloodStatistics.FloodsAt(12_999, 1000).Should().BeFalse();
    }

    [Fact]
    public void A_phased_pair_with_a_thin_side_is_left_out_and_so_is_a_sample_without_its_send_time()
    {
        var samples = new List<(long, long)>();
        foreach (var (k, n) in new[] { (1, 10), (2, 10), (3, 10), (4, 4), (5, 10), (6, 10) })
            for (var i = 0; i < n; i++) samples.Add((k, k * 1000L + i));

        // Pairs (2, 3) and (4, 5); 4 holds 4 of a median 10 samples: left out.
        FloodStatistics.PhasePairs(samples, 1000, 1).Select(r => r.With[0]).Should().Equal(3L);
        samples.Add((999_999, 0));   // no send time: left out, not counted in any period
        FloodStatistics.PhasePairs(samples, 1000, 1).SelectMany(r => r.Without.Concat(r.With)).Should().NotContain(999_999);
    }
    [Fact]
    public void A_settling_time_leaves_out_the_start_of_each_period_without_the_flood_only()
    {
        // Periods of 1,000 ms, one sample every 100 ms: 10 (first), 11 flood, 12 without, 13 flood, 14 (last).
        var samples = new List<(long, long)>();
        for (var t = 10_000L; t < 15_000; t += 100) samples.Add((t, t));

        var rounds = FloodStatistics.PhasePairs(samples, 1000, 1, settleMs: 300);

        rounds.Should().ContainSingle();
        rounds[0].Without.Should().Equal(Range(12_300, 12_900, 100));   // 12,000–12,200 settling
        rounds[0].With.Should().Equal(Range(13_000, 13_900, 100));      // whole
        var tooLong = () => FloodStatistics.PhasePairs(samples, 1000, 1, settleMs: 1000);
        tooLong.Should().Throw<ArgumentOutOfRangeException>();
    }
}
