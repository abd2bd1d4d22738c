namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>One round of the flood comparison: the polite devices' latencies (µs, any order) without and with the flood.</summary>
internal sealed record FloodRound(int Round, long[] Without, long[] With);

/// <summary>The pooled comparison: percentiles per condition, the ratio of pooled p99s, its bootstrap interval, the per-round ratios' median.</summary>
internal sealed record FloodComparison(long P50Without, long P99Without, long P50With, long P99With, double P99Ratio,
    double CiLow, double CiHigh, double MedianRoundRatio, int Draws);

/// <summary>
/// The statistics of <c>ingest flood-stats</c> (plain functions): nearest-rank percentiles, the pooled comparison and a paired
/// bootstrap over rounds (a draw that picks a round k times counts its samples k times, see <see cref="PooledSamples"/>).
/// </summary>
internal static class FloodStatistics
{
    /// <summary>The nearest-rank percentile of sorted values: the ⌈p/100 · n⌉-th smallest (the first for p = 0).</summary>
    public static long Percentile(long[] sorted, double percentile)
    {
        if (sorted.Length == 0) throw new ArgumentException("no values", nameof(sorted));
        return sorted[Rank(sorted.Length, percentile) - 1];
    }

    /// <summary>
    /// Pools the rounds per condition and compares them: the ratio with / without of the pooled p99s, with a percentile
    /// bootstrap interval (<paramref name="confidence"/>, e.g. 0.95): each of <paramref name="draws"/> draws picks as many
    /// rounds as there are, with replacement (seeded), and both conditions of a picked round go together (paired).
    /// </summary>
    public static FloodComparison Compare(IReadOnlyList<FloodRound> rounds, int draws, int seed, double confidence = 0.95)
    {
        if (rounds.Count == 0) throw new ArgumentException("no rounds", nameof(rounds));
        if (rounds.Any(r => r.Without.Length == 0 || r.With.Length == 0)) throw new ArgumentException("a round without samples", nameof(rounds));
        var without = PooledSamples.Of([.. rounds.Select(r => r.Without)]);
        var with = PooledSamples.Of([.. rounds.Select(r => r.With)]);
        var ones = Enumerable.Repeat(1, rounds.Count).ToArray();
        double Ratio(int[] weights) => (double)with.Percentile(weights, 99) / without.Percentile(weights, 99);

        var random = new Random(seed);
        var weights = new int[rounds.Count];
        var ratios = new double[draws];
        for (var d = 0; d < draws; d++)
        {
            Array.Clear(weights);
            for (var k = 0; k < rounds.Count; k++) weights[random.Next(rounds.Count)]++;
            ratios[d] = Ratio(weights);
        }

        Array.Sort(ratios);
        var tail = (1 - confidence) / 2 * 100;
        var roundRatios = rounds.Select(r => RoundRatio(r)).ToArray();
        return new FloodComparison(without.Percentile(ones, 50), without.Percentile(ones, 99), with.Percentile(ones, 50), with.Percentile(ones, 99), Ratio(ones),
            draws > 0 ? Percentile(ratios, tail) : double.NaN, draws > 0 ? Percentile(ratios, 100 - tail) : double.NaN, Median(roundRatios), draws);
    }

    /// <summary>Whether a phased flood (<c>--flood-phase</c>) floods at <paramref name="unixMs"/>: in the odd periods of <paramref name="phaseMs"/> on the wall clock.</summary>
    public static bool FloodsAt(long unixMs, long phaseMs) => unixMs / phaseMs % 2 == 1;

    /// <summary>
    /// Cuts one phased run (<c>--flood-phase</c>) into rounds: its samples (latency µs, send time Unix ms) are grouped
    /// by period (send time / <paramref name="phaseMs"/>); every period with the flood (odd, <see cref="FloodsAt"/>) is a
    /// round together with the period before it (without). The run's first and last periods are left out (partly measured),
    /// and so is a pair where either side holds fewer than half the median period's samples. Rounds are numbered from
    /// <paramref name="firstRound"/>; a sample without a send time (0) is left out. Samples sent in the first <paramref name="settleMs"/> of a period without the flood are
    /// left out: the flooder's last messages may still be drained then (the flood periods are kept whole).
    /// </summary>
    public static List<FloodRound> PhasePairs(IReadOnlyList<(long Micros, long SentUnixMs)> samples, long phaseMs, int firstRound, long settleMs = 0)
    {
        if (phaseMs <= 0) throw new ArgumentOutOfRangeException(nameof(phaseMs), "the phase must be positive");
        if (settleMs < 0 || settleMs >= phaseMs) throw new ArgumentOutOfRangeException(nameof(settleMs), "the settling time must be shorter than the phase");
        var periods = new SortedDictionary<long, List<long>>();
        foreach (var (micros, sent) in samples)
        {
            if (sent <= 0) continue;   // a slot the run reserved but never filled (an acknowledgement racing the file's write)
            var k = sent / phaseMs;
            if (!FloodsAt(sent, phaseMs) && sent % phaseMs < settleMs) continue;
            if (!periods.TryGetValue(k, out var list)) periods[k] = list = [];
            list.Add(micros);
        }

        var rounds = new List<FloodRound>();
        if (periods.Count < 3) return rounds;
        var inner = periods.Keys.Skip(1).SkipLast(1).ToHashSet();
        var median = Median([.. inner.Select(k => (double)periods[k].Count)]);
        foreach (var k in inner.Order())
        {
            if (!FloodsAt(k * phaseMs, phaseMs) || !inner.Contains(k - 1)) continue;
            var (without, with) = (periods[k - 1], periods[k]);
            if (without.Count < median / 2 || with.Count < median / 2) continue;
            rounds.Add(new FloodRound(firstRound + rounds.Count, [.. without], [.. with]));
        }

        return rounds;
    }

    /// <summary>One round's p99 with the flood over its p99 without.</summary>
    public static double RoundRatio(FloodRound round) =>
        (double)Percentile(Sorted(round.With), 99) / Percentile(Sorted(round.Without), 99);

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    public static long[] Sorted(long[] values)
    {
        var copy = (long[])values.Clone();
        Array.Sort(copy);
        return copy;
    }

    private static double Percentile(double[] sorted, double percentile) => sorted[Rank(sorted.Length, percentile) - 1];

    internal static long Rank(long count, double percentile) =>
        Math.Clamp((long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * count), 1, count);
}

/// <summary>
/// The samples of several rounds sorted together, each remembering its round, so that the percentile of the pool with
/// round r counted weights[r] times (a bootstrap draw) needs no copy: it walks from the nearer end, so a p99 looks at
/// about 1 % of the pool.
/// </summary>
internal sealed class PooledSamples
{
    private readonly long[] _sorted;
    private readonly int[] _roundOf;
    private readonly long[] _perRound;

    private PooledSamples(long[] sorted, int[] roundOf, long[] perRound) => (_sorted, _roundOf, _perRound) = (sorted, roundOf, perRound);

    public static PooledSamples Of(IReadOnlyList<long[]> rounds)
    {
        var n = rounds.Sum(r => r.Length);
        var sorted = new long[n];
        var roundOf = new int[n];
        var at = 0;
        for (var r = 0; r < rounds.Count; r++)
        {
            rounds[r].CopyTo(sorted, at);
            Array.Fill(roundOf, r, at, rounds[r].Length);
            at += rounds[r].Length;
        }

        Array.Sort(sorted, roundOf);
        return new PooledSamples(sorted, roundOf, [.. rounds.Select(r => (long)r.Length)]);
    }

    /// <summary>The nearest-rank percentile of the pool when round r's samples count <paramref name="weights"/>[r] times.</summary>
    public long Percentile(int[] weights, double percentile)
    {
        long total = 0;
        for (var r = 0; r < _perRound.Length; r++) total += weights[r] * _perRound[r];
        if (total == 0) throw new ArgumentException("no samples with a weight", nameof(weights));
        var rank = FloodStatistics.Rank(total, percentile);
        if (percentile <= 50)
        {
            long through = 0;
            for (var i = 0; i < _sorted.Length; i++)
            {
                through += weights[_roundOf[i]];
                if (through >= rank) return _sorted[i];
            }
        }
        else
        {
            // Walking down: the answer is the first sample whose weighted count of samples below it is under the rank.
            long above = 0;
            for (var i = _sorted.Length - 1; i >= 0; i--)
            {
                var w = weights[_roundOf[i]];
                if (total - above - w < rank) return _sorted[i];
                above += w;
            }
        }

        return _sorted[^1];
    }
}
