using System.Globalization;
using System.Text;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>Markdown tables of a decisions run.</summary>
internal static class DecisionsReport
{
    /// <summary>Cores of the machine the per-core figures divide by.</summary>
    private static int Cores => Environment.ProcessorCount;

    public static string OneLine(PhaseResult r)
    {
        if (r.Probe is { } p)
            return F($"{r.Name}: {p.Count} latencies, p50 {p.P50Ms:0.00} ms, p90 {p.P90Ms:0.00} ms, p99 {p.P99Ms:0.00} ms, max {p.MaxMs:0.00} ms; silo {r.SiloCores:0.00} cores{(r.BrokerCores is { } b ? F($", broker {b:0.00} cores") : "")}, other CPU on the machine {r.OtherCores:0.00} cores{Err(r)}");
        if (r.Scoring is { } s)
            return F($"{r.Name}: other CPU on the machine ≤ {r.OtherCores:0.00} cores; {s.DecisionRate:0} decisions/s ({s.Decisions} in {s.ScoreSeconds:0.0} s), readings only at that rate: silo {r.IngestSiloCores:0.00} cores; with the passes: {r.SiloCores:0.00} cores{Err(r)}");
        return r.Name + Err(r);
    }

    public static string Render(IReadOnlyList<PhaseResult> results, DecisionsPlan plan, string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine(F($"### {title}"));
        sb.AppendLine();
        var probes = results.Where(r => r.Kind is "noload" or "load").ToList();
        if (probes.Count > 0)
        {
            sb.AppendLine(F($"Reading → notification latency (ms): arrival of the notification − publish of the reading whose `ts` it carries; {plan.Probes} probes at {plan.Hz:0.##} readings/s, rest/effort every {plan.HalfPeriod.TotalSeconds:0.#} s."));
            sb.AppendLine();
            var external = probes.Any(r => r.BrokerCores is not null);
            sb.AppendLine($"| background load | achieved r/s (PUBACK p50 / p99 ms) | latencies | p50 | p90 | p99 | p99.9 | max | mean | PUBACK of that reading p50 / p99 | state-changing reading (median / p90 index after the switch) | silo CPU (cores) | probes / load / {(external ? "broker / " : "")}other CPU on the machine | silo GC: pauses > 10 ms, total / longest ms | decisions in window: sent / suppressed (per s) |");
            sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var r in probes)
            {
                var p = r.Probe;
                var load = r.Load is { } l ? F($"{l.AchievedRate:N0} ({l.LatencyMs.P50:0.#} / {l.LatencyMs.P99:0.#})") : "–";
                sb.AppendLine(F($"| {r.Name} | {load} | {p?.Count} | {D(p?.P50Ms)} | {D(p?.P90Ms)} | {D(p?.P99Ms)} | {D(p?.P999Ms)} | {D(p?.MaxMs)} | {D(p?.MeanMs)} | {D(p?.PubackP50Ms)} / {D(p?.PubackP99Ms)} | {p?.StepMedian} / {p?.StepP90} | {r.SiloCores:0.00} | {r.DriverChildCores:0.00} / {r.LoadCores:0.00} / {(external ? F($"{r.BrokerCores:0.00} / ") : "")}{r.OtherCores:0.00} | {Gc(r)} | {Counts(r)} |"));
            }

            sb.AppendLine();
            sb.AppendLine("Notification − PUBACK of the same reading (both measured at the probe; the part after the reading was applied, roughly: the pass, the decision and the push), p50 / p99 ms: " +
                string.Join("; ", probes.Where(r => r.Probe is not null).Select(r => F($"{r.Name} {D(r.Probe!.AfterApplyP50Ms)} / {D(r.Probe.AfterApplyP99Ms)}"))) + ".");
            sb.AppendLine();
            foreach (var r in probes.Where(r => r.Probe is not null))
            {
                var p = r.Probe!;
                sb.AppendLine(F($"* {r.Name}: {p.Connected}/{p.Probes} probes connected; {p.ReadingsPublishedInWindow:N0} readings published in the {p.WindowSeconds:0} s window ({p.ReadingsPublished:N0} in all, {p.PublishFailed} failed); {p.NotificationsReceived:N0} notifications received in all, {p.Unmatched} without a matching reading, {p.Duplicates} duplicates, {p.OutsideWindow} for readings outside the window, {p.ErrorMessages} error messages; by state: {string.Join(", ", p.ByState.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}{Applied(r)}{Err(r)}"));
            }

            sb.AppendLine();
        }

        foreach (var r in results.Where(r => r.Kind == "scoring"))
        {
            var s = r.Scoring;
            sb.AppendLine(F($"Decisions per second (no MQTT; an Orleans client in a separate process, closed loop; {Cores} cores shared by the silo and the client):"));
            sb.AppendLine();
            sb.AppendLine("| users / workers | reading + ScoreAsync (closed loop): decisions/s, silo CPU | readings only, same rate: readings/s, silo CPU | silo CPU per decision incl. / excl. the reading | decisions/s per core (1 / CPU excl. reading) | decisions/s ÷ 2 cores | ScoreAsync p50 / p90 / p99 / max ms | outcomes | counters in window |");
            sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|---|---|");
            if (s is null)
            {
                sb.AppendLine(F($"| – | – | – | – | – | – | – | – | {r.Error} |"));
                continue;
            }

            var perIngest = s.IngestRate > 0 && r.IngestSiloCores is { } ic ? ic / s.IngestRate * 1e6 : double.NaN;
            var perIteration = s.DecisionRate > 0 ? r.SiloCores / s.DecisionRate * 1e6 : double.NaN;
            var perDecision = perIteration - perIngest;
            sb.AppendLine(F($"| {s.Users:N0} / {s.Concurrency} | {s.DecisionRate:N0}/s, {r.SiloCores:0.00} | {s.IngestRate:N0}/s, {r.IngestSiloCores:0.00} | {perIteration:0} µs / {perDecision:0} µs | **{1e6 / perDecision:N0}** | {s.DecisionRate / Cores:N0} | {D(s.ScoreP50Ms)} / {D(s.ScoreP90Ms)} / {D(s.ScoreP99Ms)} / {D(s.ScoreMaxMs)} | {string.Join(", ", s.Outcomes.Select(kv => $"{kv.Key} {kv.Value:N0}"))} | {Counts(r)} |"));
            sb.AppendLine();
            sb.AppendLine(F($"* client CPU {r.DriverChildCores:0.00} cores; other CPU on the machine ≤ {r.OtherCores:0.00} cores; silo GC in the score window: {Gc(r)}; errors {s.IngestErrors} (ingest) / {s.ScoreErrors} (score){(s.FirstErrors.Count > 0 ? ": " + string.Join("; ", s.FirstErrors) : "")}{Err(r)}"));
            sb.AppendLine();
        }

        return sb.ToString();
    }

    private static string Counts(PhaseResult r) => r.Decisions is { } d && r.WindowSeconds > 0
        ? F($"{d.Sent:N0} ({d.SegmentSent:N0} to probe/scoring users) / {d.Suppressed.Values.Sum():N0} ({d.Total / r.WindowSeconds:N1}/s){(d.Suppressed.Count > 0 ? "; " + string.Join(", ", d.Suppressed.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:N0}")) : "")}")
        : "–";

    /// <summary>Readings the silo applied in the window (counter <c>readings.accepted</c>: probes and load together).</summary>
    private static string Applied(PhaseResult r) => r.Decisions is { } d && r.WindowSeconds > 0
        ? F($"; the silo applied {d.ReadingsAccepted:N0} readings in the window ({d.ReadingsAccepted / r.WindowSeconds:N0}/s, probes and load)")
        : "";

    private static string Gc(PhaseResult r) => r.SiloGc is { } g
        ? F($"{g.PausesOver10Ms}, {g.PauseTotalMs:N0} / {g.PauseMaxMs:0.#} (gen0/1/2 {g.Gen0}/{g.Gen1}/{g.Gen2}; thread pool ≤ {g.MaxThreadPoolThreads} threads, queue ≤ {g.MaxThreadPoolQueue}; allocated {g.AllocatedBytes / 1048576.0:N0} MB{PerDecision(r, g)})")
        : "–";

    private static string PerDecision(PhaseResult r, Ingest.ProcessDiagnostics g) =>
        r.Kind == "scoring" && r.Decisions is { Total: > 0 } d ? F($", {g.AllocatedBytes / 1024.0 / d.Total:N0} KB per decision with its reading") : "";

    private static string D(double? v) => v is { } x ? x.ToString(x >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture) : "–";

    private static string Err(PhaseResult r) => r.Error is null ? "" : " — ERROR: " + r.Error;

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
