using System.Globalization;
using System.Text;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// <c>ingest flood-stats DIR [--draws 10000] [--seed 1] [--phase T]</c>: reads what <c>Ingest/flood-rounds.sh</c> left in DIR
/// (<c>runs.tsv</c> and one samples file per run) and prints the comparison as markdown (statistics: <see cref="FloodStatistics"/>).
/// With <c>--phase T</c> the runs are phased ones (<c>PHASE=T flood-rounds.sh</c>): each run holds both conditions, period by period.
/// </summary>
internal static class FloodStats
{
    private const string Usage = "usage: Osr.Orleans.Benchmarks ingest flood-stats DIR [--draws 10000] [--seed 1] [--phase T [--settle 5s]]   (DIR: the output of Ingest/flood-rounds.sh)";
    private const double Target = 1.10;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One line of runs.tsv: round, condition (without|flood|phased), position in the round, start (UTC), 1-minute load average, exit code, samples file.</summary>
    private sealed record RunLine(int Round, string Condition, int Position, string Start, string Load, int Exit, string Samples);

    public static int Run(string[] args)
    {
        var a = Args.Parse(args);
        if (a.Positional is not [var dir])
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        try
        {
            var draws = a.GetInt("--draws", 10_000);
            if (draws < 1) throw new FormatException("--draws must be at least 1");
            TimeSpan? phase = a.Has("--phase") ? a.GetDuration("--phase", TimeSpan.Zero) : null;
            if (phase is { } p && p < TimeSpan.FromSeconds(1)) throw new FormatException("--phase must be at least 1s");
            var settle = a.GetDuration("--settle", TimeSpan.FromSeconds(5));
            if (phase is { } q && (settle < TimeSpan.Zero || settle >= q)) throw new FormatException("--settle must be shorter than --phase");
            Console.WriteLine(Render(dir, draws, a.GetInt("--seed", 1), phase, settle));
            return 0;
        }
        catch (Exception ex) when (ex is FormatException or IOException or ArgumentException)
        {
            Console.Error.WriteLine($"flood-stats: {ex.Message}\n{Usage}");
            return 2;
        }
    }

    private static string Render(string dir, int draws, int seed, TimeSpan? phase, TimeSpan settle)
    {
        var runs = ReadRuns(Path.Combine(dir, "runs.tsv"));
        var rounds = new List<FloodRound>();
        var rows = new List<(string Order, string Load)>();
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"### Flood control: other devices' latency without / with one flooding device ({dir})");
        if (phase is { } p)
        {
            foreach (var run in runs.Where(r => r.Condition == "phased").GroupBy(r => r.Round).OrderBy(g => g.Key).Select(g => g.Last()))
            {
                if (run.Exit != 0)
                {
                    sb.AppendLine().AppendLine(Inv, $"* run {run.Round} left out: it failed (exit {run.Exit})");
                    continue;
                }

                var pairs = FloodStatistics.PhasePairs(ReadTimedSamples(Path.Combine(dir, run.Samples)), (long)p.TotalMilliseconds, rounds.Count + 1,
                    (long)settle.TotalMilliseconds);
                if (pairs.Count == 0) sb.AppendLine().AppendLine(Inv, $"* run {run.Round} left out: no pair of periods measured");
                rounds.AddRange(pairs);
                rows.AddRange(pairs.Select(_ => ($"run {run.Round}: {p.TotalSeconds:0} s without (the first {settle.TotalSeconds:0} s left out), then {p.TotalSeconds:0} s flood", run.Load)));
            }
        }
        else
        {
            foreach (var g in runs.GroupBy(r => r.Round).OrderBy(g => g.Key))
            {
                var without = g.LastOrDefault(r => r.Condition == "without" && r.Exit == 0);
                var with = g.LastOrDefault(r => r.Condition == "flood" && r.Exit == 0);
                if (without is null || with is null)
                {
                    sb.AppendLine().AppendLine(Inv, $"* round {g.Key} left out: {(without is null ? "no successful run without flood" : "no successful run with flood")}");
                    continue;
                }

                rows.Add((without.Position < with.Position ? "without, flood" : "flood, without", $"{without.Load} / {with.Load}"));
                rounds.Add(new FloodRound(g.Key, ReadSamples(Path.Combine(dir, without.Samples)), ReadSamples(Path.Combine(dir, with.Samples))));
            }
        }

        if (rounds.Count == 0) throw new FormatException($"{dir}: no round with both conditions measured");
        sb.AppendLine().AppendLine("Publish → PUBACK (applied) from the intended send time, the measured window only; ms.").AppendLine();
        sb.AppendLine(phase is null
            ? "| round | order | load avg at start (without / flood) | without flood: samples, p50 / p99 | with the flood: samples, p50 / p99 | ratio of p99 |"
            : "| round | periods | load avg at the run's start | without flood: samples, p50 / p99 | with the flood: samples, p50 / p99 | ratio of p99 |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|");
        for (var i = 0; i < rounds.Count; i++)
        {
            var (order, load) = rows[i];
            var r = rounds[i];
            var sw = FloodStatistics.Sorted(r.Without);
            var sf = FloodStatistics.Sorted(r.With);
            sb.AppendLine(Inv, $"| {r.Round} | {order} | {load} | " +
                $"{sw.Length:N0}, {Ms(FloodStatistics.Percentile(sw, 50))} / {Ms(FloodStatistics.Percentile(sw, 99))} | " +
                $"{sf.Length:N0}, {Ms(FloodStatistics.Percentile(sf, 50))} / {Ms(FloodStatistics.Percentile(sf, 99))} | {FloodStatistics.RoundRatio(r):0.00} |");
        }

        var c = FloodStatistics.Compare(rounds, draws, seed);
        sb.AppendLine().AppendLine(Inv, $"**Pooled** (every sample of a condition over the {rounds.Count} rounds together):").AppendLine();
        sb.AppendLine("| condition | samples | p50 | p99 |");
        sb.AppendLine("|---|--:|--:|--:|");
        sb.AppendLine(Inv, $"| without flood | {rounds.Sum(r => r.Without.Length):N0} | {Ms(c.P50Without)} | {Ms(c.P99Without)} |");
        sb.AppendLine(Inv, $"| with the flood | {rounds.Sum(r => r.With.Length):N0} | {Ms(c.P50With)} | {Ms(c.P99With)} |");
        sb.AppendLine().AppendLine(Inv, $"* ratio of the pooled p99s (flood / without): **{c.P99Ratio:0.000}**, 95 % bootstrap interval **[{c.CiLow:0.000}, {c.CiHigh:0.000}]** " +
            $"({c.Draws:N0} draws of {rounds.Count} rounds with replacement, both {(phase is null ? "runs" : "periods")} of a drawn round together; seed {seed})");
        sb.AppendLine(Inv, $"* median of the per-round p99 ratios: {c.MedianRoundRatio:0.000}");
        sb.AppendLine(Inv, $"* the target \"p99 rises < 10 %\" is shown only if the interval's upper bound is below {Target:0.00}: **{Verdict(c)}**");
        if (rounds.Count < 5) sb.AppendLine(Inv, $"* only {rounds.Count} rounds: a bootstrap over so few rounds understates the spread; use it to check the pipeline, not to conclude");
        return sb.ToString();
    }

    private static string Verdict(FloodComparison c) =>
        c.CiHigh < Target ? $"met (upper bound {c.CiHigh:0.000} < {Target:0.00})"
        : c.CiLow >= Target ? $"not met (even the lower bound {c.CiLow:0.000} is ≥ {Target:0.00})"
        : $"not shown (the interval reaches {c.CiHigh:0.000} ≥ {Target:0.00})";

    private static List<RunLine> ReadRuns(string path)
    {
        var runs = new List<RunLine>();
        var lines = File.ReadAllLines(path);
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var f = lines[i].Split('\t');
            if (f.Length != 7 || !int.TryParse(f[0], Inv, out var round) || f[1] is not ("without" or "flood" or "phased")
                || !int.TryParse(f[2], Inv, out var position) || !int.TryParse(f[5], Inv, out var exit))
                throw new FormatException($"{path}:{i + 1}: expected round, without|flood|phased, position, start, load, exit, samples (tab-separated), not '{lines[i]}'");
            runs.Add(new RunLine(round, f[1], position, f[3], f[4], exit, f[6]));
        }

        return runs;
    }

    private static long[] ReadSamples(string path) => [.. ReadTimedSamples(path, needTime: false).Select(x => x.Micros)];

    /// <summary>A samples file: per line the latency (µs) and, tab-separated, the send time it is measured from (Unix ms; 0 if the file has one column).</summary>
    private static List<(long Micros, long SentUnixMs)> ReadTimedSamples(string path) => ReadTimedSamples(path, needTime: true);

    private static List<(long Micros, long SentUnixMs)> ReadTimedSamples(string path, bool needTime)
    {
        var values = new List<(long, long)>();
        var n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (line.Length == 0) continue;
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var first = tab < 0 ? line : line[..tab];
            if (!long.TryParse(first, NumberStyles.None, Inv, out var v)) throw new FormatException($"{path}:{n}: '{line}' is not a latency in µs");
            long sent = 0;
            if (tab >= 0 && !long.TryParse(line.AsSpan(tab + 1), NumberStyles.None, Inv, out sent))
                throw new FormatException($"{path}:{n}: '{line}': the second field is not a send time in Unix ms");
            if (needTime && tab < 0) throw new FormatException($"{path}:{n}: no send time (a phased run's samples need two columns)");
            values.Add((v, sent));
        }

        if (values.Count == 0) throw new FormatException($"{path}: no samples");
        return values;
    }

    private static string Ms(long micros) => (micros / 1000.0).ToString(micros < 10_000 ? "0.00" : "0.0", Inv);
}
