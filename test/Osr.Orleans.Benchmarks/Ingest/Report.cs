using System.Globalization;
using System.Text;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>Markdown tables of a run: throughput and latency, grains vs bare broker, memory per user, saturation, CPU by thread.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string OneLine(ScenarioResult r) => r.Load is null
        ? $"{r.Scenario.Name} [{r.Target}]: no result ({r.Error})"
        : string.Create(Inv, $"{r.Scenario.Name} [{r.Target}]: offered {r.Offered:N0}/s, achieved {r.Achieved:N0}/s, p50 {Ms(r.P50)}, p99 {Ms(r.P99)}, p99.9 {Ms(r.P999)}, max {Ms(r.Max)} " +
            $"(service p99 {Ms(r.ServiceP99)}); CPU target {r.TargetCores:0.00} + load {r.LoadCores:0.00} cores; RSS {Mb(r.Baseline.RssBytes)} → {Mb(r.RssLoad)}{(r.Error is null ? "" : "; " + r.Error)}");

    public static string Render(IReadOnlyList<ScenarioResult> results, string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"### {title}").AppendLine();
        sb.AppendLine("Latency is publish→PUBACK measured from the intended send time (ms); \"service p99\" starts at `PublishAsync`. " +
                      "CPU is cores used during the measured window (2 cores in total).").AppendLine();
        sb.AppendLine("| scenario | target | offered r/s | achieved r/s | p50 | p99 | p99.9 | max | service p99 | refused / failed / dropped | CPU target | CPU loadgen | setup s |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            var l = r.Load;
            var problems = l is null ? "—" : $"{l.Refused.Values.Sum():N0} / {l.Failed:N0} / {l.ReadingsDropped:N0}";
            sb.AppendLine(Inv, $"| {r.Scenario.Name} | {TargetName(r)} | {r.Offered:N0} | {(l is null ? "—" : r.Achieved.ToString("N0", Inv))} | {Ms(r.P50)} | {Ms(r.P99)} | {Ms(r.P999)} | {Ms(r.Max)} | {Ms(r.ServiceP99)} | {problems} | {r.TargetCores:0.00} | {r.LoadCores:0.00} | {r.SetupSeconds:0} |");
        }

        var errors = results.Where(r => r.Error is not null).ToList();
        if (errors.Count > 0)
        {
            sb.AppendLine();
            foreach (var r in errors) sb.AppendLine(Inv, $"* {r.Scenario.Name} [{TargetName(r)}]: **{r.Error}**");
        }

        AppendComparison(sb, results);
        AppendMemory(sb, results);
        AppendLiveHeap(sb, results);
        AppendSaturation(sb, results);
        AppendThreads(sb, results);
        AppendRuntime(sb, results);
        return sb.ToString();
    }

    private static void AppendComparison(StringBuilder sb, IReadOnlyList<ScenarioResult> results)
    {
        var pairs = results.Where(r => r.Target == TargetKind.Grains && r.Scenario.Kind != "direct")
            .Select(g => (Grains: g, Bare: results.FirstOrDefault(b => b.Target == TargetKind.Bare && b.Scenario == g.Scenario)))
            .Where(p => p.Bare is not null).ToList();
        if (pairs.Count == 0) return;
        sb.AppendLine().AppendLine("**Actor path vs bare broker** (same load, same machine; ratio = grains / bare)").AppendLine();
        sb.AppendLine("| scenario | achieved grains | achieved bare | throughput ratio | p50 grains / bare | p99 grains / bare | p99 ratio | CPU grains / bare |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (g, b) in pairs)
        {
            sb.AppendLine(Inv, $"| {g.Scenario.Name} | {g.Achieved:N0} | {b!.Achieved:N0} | {Ratio(g.Achieved, b.Achieved)} | {Ms(g.P50)} / {Ms(b.P50)} | {Ms(g.P99)} / {Ms(b.P99)} | {Ratio(g.P99, b.P99)} | {g.TargetCores:0.00} / {b.TargetCores:0.00} |");
        }
    }

    private static void AppendMemory(StringBuilder sb, IReadOnlyList<ScenarioResult> results)
    {
        // One row per group and target: the first scenario of the group (all devices active, steady load).
        var rows = results.GroupBy(r => (r.Scenario.Group, r.Target)).Select(g => g.First()).ToList();
        if (rows.Count == 0) return;
        sb.AppendLine().AppendLine("**Memory of the target** (baseline after start-up, before any device; \"load\" late in the first scenario of the group; " +
                                   "heap = GC heap after the last GC, from the silo's gauges; per user = Δ / active users, per device for the bare broker)").AppendLine();
        sb.AppendLine("| group | target | active users | active devices | MQTT conns | RSS base → load | ΔRSS per user (bare: per device) | heap base → load | Δheap per user |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in rows)
        {
            var per = r.Target == TargetKind.Bare ? r.Devices : r.ActiveUsers ?? r.Users;
            var dRss = r.RssLoad - r.Baseline.RssBytes;
            var heap = r.HeapLoad is { } h && r.Baseline.HeapBytes is { } h0 ? $"{Mb(h0)} → {Mb(h)}" : "—";
            var dHeap = r.HeapLoad is { } h1 && r.Baseline.HeapBytes is { } h2 && per > 0 ? Kb((double)(h1 - h2) / per) : "—";
            sb.AppendLine(Inv, $"| {r.Scenario.Group} | {TargetName(r)} | {(r.Target == TargetKind.Bare ? "—" : N(r.ActiveUsers))} | {(r.Target == TargetKind.Bare ? r.Devices.ToString("N0", Inv) : N(r.ActiveDevices))} | {(r.Target == TargetKind.Bare ? "—" : N(r.MqttConnections))} | {Mb(r.Baseline.RssBytes)} → {Mb(r.RssLoad)} | {(per > 0 ? Kb((double)dRss / per) : "—")} | {heap} | {dHeap} |");
            if (r.HeapAfterRegistration is { } hr && r.Baseline.HeapBytes is { } hb && r.RssAfterRegistration is { } rr && per > 0)
            {
                sb.AppendLine(Inv, $"| {r.Scenario.Group} (registered, before readings) | {TargetName(r)} | {N(r.ActiveUsers)} | | | {Mb(r.Baseline.RssBytes)} → {Mb(rr)} | {Kb((double)(rr - r.Baseline.RssBytes) / per)} | {Mb(hb)} → {Mb(hr)} | {Kb((double)(hr - hb) / per)} |");
            }
        }
    }

    private static void AppendLiveHeap(StringBuilder sb, IReadOnlyList<ScenarioResult> results)
    {
        foreach (var r in results.Where(r => r.LiveAfterLoad is not null))
        {
            var live = r.LiveAfterLoad!;
            var users = live.ActiveUsers ?? r.Users;
            if (users <= 0) continue;
            sb.AppendLine().AppendLine(Inv, $"**Live memory per active user, {r.Scenario.Name}** (induced full GC through EventPipe, then the heap walked with ClrMD; {users:N0} active users, one device each)").AppendLine();
            sb.AppendLine("| measure | total | per active user |");
            sb.AppendLine("|---|--:|--:|");
            if (r.Baseline.HeapBytes is { } h0)
            {
                if (r.HeapAfterRegistration is { } hr) sb.AppendLine(Inv, $"| live heap after registration − baseline | {Mb(hr - h0)} | {Kb((double)(hr - h0) / users)} |");
                sb.AppendLine(Inv, $"| live heap after the readings − baseline | {Mb(live.HeapBytes - h0)} | {Kb((double)(live.HeapBytes - h0) / users)} |");
            }

            if (r.RssAfterRegistration is { } rr) sb.AppendLine(Inv, $"| RSS after registration − baseline | {Mb(rr - r.Baseline.RssBytes)} | {Kb((double)(rr - r.Baseline.RssBytes) / users)} |");
            sb.AppendLine(Inv, $"| RSS after the readings − baseline | {Mb(live.RssBytes - r.Baseline.RssBytes)} | {Kb((double)(live.RssBytes - r.Baseline.RssBytes) / users)} |");
            var walked = live.Types.Sum(t => t.Bytes);
            sb.AppendLine(Inv, $"| objects found by the heap walk (all types; the baseline not subtracted) | {Mb(walked)} | {Kb((double)walked / users)} |");
            sb.AppendLine().AppendLine("What the heap holds (types with ≥ 0.2 objects per user, largest first):").AppendLine();
            sb.AppendLine("| type | objects | objects per user | bytes per user |");
            sb.AppendLine("|---|--:|--:|--:|");
            foreach (var (type, count, bytes) in live.Types.Where(t => t.Count >= users / 5).Take(40))
                sb.AppendLine(Inv, $"| `{Trim(type)}` | {count:N0} | {(double)count / users:0.0} | {(double)bytes / users:N0} B |");
        }
    }

    private static string Trim(string type) => type.Length <= 110 ? type : type[..107] + "…";

    private static void AppendSaturation(StringBuilder sb, IReadOnlyList<ScenarioResult> results)
    {
        var sweeps = results.Where(r => r.Scenario.Kind is "sweep" or "batch").GroupBy(r => (r.Target, r.Scenario.Batch, r.Scenario.Devices)).ToList();
        if (sweeps.Count == 0) return;
        sb.AppendLine().AppendLine("**Saturation** (sustained = achieved ≥ 98 % of offered, nothing refused or failed, p99 ≤ 100 ms; " +
                                   "the saturation point is the highest sustained offered rate)").AppendLine();
        sb.AppendLine("| target | devices | batch | offered → achieved (p99) | saturation point |");
        sb.AppendLine("|---|--:|--:|---|--:|");
        foreach (var g in sweeps)
        {
            var points = string.Join(", ", g.OrderBy(r => r.Offered).Select(r => string.Create(Inv, $"{r.Offered / 1000:0.#}k → {r.Achieved / 1000:0.0}k ({Ms(r.P99)}){(r.Sustained ? "" : " ✗")}")));
            var sustained = g.Where(r => r.Sustained).Select(r => r.Offered).DefaultIfEmpty(0).Max();
            var beyond = g.Any(r => r.Offered > sustained && !r.Sustained) ? "" : " (not reached)";
            sb.AppendLine(Inv, $"| {g.Key.Target.ToString().ToLowerInvariant()} | {g.Key.Devices:N0} | {g.Key.Batch} | {points} | {(sustained > 0 ? $"{sustained:N0} r/s{beyond}" : "below the lowest step")} |");
        }
    }

    private static void AppendThreads(StringBuilder sb, IReadOnlyList<ScenarioResult> results)
    {
        var rows = results.Where(r => r.TargetThreads.Count > 0).ToList();
        if (rows.Count == 0) return;
        sb.AppendLine().AppendLine("**Where the target's CPU goes** (cores per thread group during the window, from /proc/PID/task/*/stat)").AppendLine();
        sb.AppendLine("| scenario | target | busiest thread groups (threads) cores |");
        sb.AppendLine("|---|---|---|");
        foreach (var r in rows)
        {
            var top = string.Join(", ", r.TargetThreads.Where(t => t.Cores >= 0.01).Take(6).Select(t => string.Create(Inv, $"{t.Name} ({t.Threads}) {t.Cores:0.00}")));
            sb.AppendLine(Inv, $"| {r.Scenario.Name} | {TargetName(r)} | {top} |");
        }
    }

    private static void AppendRuntime(StringBuilder sb, IReadOnlyList<ScenarioResult> results)
    {
        var rows = results.Where(r => r.TargetDiagnostics is not null || r.LoadDiagnostics is not null).ToList();
        if (rows.Count == 0) return;
        sb.AppendLine().AppendLine("**GC and thread pool during the window** (EventPipe, from outside each process: GCs by generation 0/1/2, stop-the-world pause total and longest, " +
                                   "pauses > 10 ms, max thread-pool threads and queue length, bytes allocated per acknowledged message)").AppendLine();
        sb.AppendLine("| scenario | target | target: GCs | pause total / max ms | >10 ms | TP threads / queue | alloc / msg | loadgen: GCs | pause total / max ms | >10 ms | TP threads / queue |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in rows)
        {
            static string Gcs(ProcessDiagnostics? d) => d is null ? "—" : $"{d.Gen0}/{d.Gen1}/{d.Gen2}";
            static string Pause(ProcessDiagnostics? d) => d is null ? "—" : string.Create(Inv, $"{d.PauseTotalMs:N0} / {d.PauseMaxMs:0.0}");
            static string Tp(ProcessDiagnostics? d) => d is null ? "—" : $"{d.MaxThreadPoolThreads} / {d.MaxThreadPoolQueue:N0}";
            var t = r.TargetDiagnostics;
            var l = r.LoadDiagnostics;
            sb.AppendLine(Inv, $"| {r.Scenario.Name} | {TargetName(r)} | {Gcs(t)} | {Pause(t)} | {t?.PausesOver10Ms.ToString(Inv) ?? "—"} | {Tp(t)} | {AllocPerMessage(r, t)} | {Gcs(l)} | {Pause(l)} | {l?.PausesOver10Ms.ToString(Inv) ?? "—"} | {Tp(l)} |");
        }
    }

    /// <summary>Bytes the target allocated per message acknowledged in the window (acked messages scaled to the window length).</summary>
    private static string AllocPerMessage(ScenarioResult r, ProcessDiagnostics? d)
    {
        if (d is null || r.Load is not { } l || l.Acked == 0 || l.DurationSeconds <= 0 || d.AllocatedBytes == 0) return "—";
        var messagesInWindow = l.Acked / l.DurationSeconds * d.Seconds;
        return (d.AllocatedBytes / messagesInWindow / 1024).ToString("0.0", Inv) + " KB";
    }

    private static string TargetName(ScenarioResult r) => r.Target == TargetKind.Grains ? "grains" : "bare";

    private static string Ms(double? v) => v is { } x ? x.ToString(x < 10 ? "0.00" : x < 100 ? "0.0" : "N0", Inv) : "—";

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("N0", Inv) + " MB";

    private static string Kb(double bytes) => (bytes / 1024.0).ToString("0.00", Inv) + " KB";

    private static string N(int? n) => n is { } x ? x.ToString("N0", Inv) : "—";

    private static string Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? (x / y).ToString("0.00", Inv) + "×" : "—";
}
