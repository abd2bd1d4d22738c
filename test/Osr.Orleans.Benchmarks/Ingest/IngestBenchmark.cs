using System.Globalization;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// End-to-end ingest over real MQTT (QoS 1) on loopback, against the silo and against a bare broker with the
/// same load (docs/benchmarks.md). The driver starts each target in its own process on free ports, runs the
/// simulator (<c>osr-admin simulate --latency-from intended --warmup … --json</c>) as the load generator in
/// another, samples both (CPU from /proc, RSS, the silo's gauges through an Orleans client) and prints
/// markdown tables. Every process it starts is stopped by PID when it ends, also on Ctrl+C.
/// </summary>
public static class IngestBenchmark
{
    private const string Usage = """
        usage: Osr.Orleans.Benchmarks ingest <command>
          --smoke                 a few seconds: 100 devices against the silo and the bare broker, 200 users direct
          --full                  every scenario of docs/benchmarks.md (about 20 minutes)
          run --devices N --rate R[,R…] [--batch K] [--target grains|bare|both] [--warmup 10s] [--duration 30s]
          grains-direct --users N --rate R [--warmup 10s] [--duration 40s]
                                  the grain path without MQTT (an Orleans client calls IDeviceGrain.IngestAsync)
          flood-stats DIR [--draws 10000] [--seed 1] [--phase T]
                                  the flood comparison of Ingest/flood-rounds.sh's output: per round, pooled, bootstrap interval
        options: --report FILE    also write the tables (markdown) to FILE
                 --target-env K=V[,K=V]  environment of the target process (e.g. DOTNET_gcServer=1)
                 --load-env K=V[,K=V]    environment of the load generator
                 --silo-args A[,A]       extra silo arguments, e.g. --Osr:State:CheckpointInterval=00:05:00
                 --flood N        silo only: N more devices flood 64 KiB garbage during each scenario (Ingest/Flooder.cs)
                 --flood-interval T   the flood devices send one message per T themselves instead (a comparison)
                 --flood-phase T  the flood runs only in every other period T of the wall clock (the odd ones of
                                  Unix time / T), so one run holds both conditions (Ingest/flood-rounds.sh PHASE=T)
                 --samples-out FILE   run with one rate and one target: the load generator writes every latency of the
                                  measured window to FILE (µs and intended send time, one per line; flood-rounds.sh, flood-stats)
                 --verbose        echo the load generator's progress
                 --gc-log         print every GC pause of the target and the load generator (from EventPipe)
                 --alloc-types    print what the target allocates, by type (sampled GC AllocationTick events)
        child processes (started by the driver): bare-broker --port P [--bind IP]; grains-direct-load …;
                                  lag-subscriber --port P [--host H] (test/Osr.Orleans.Benchmarks/Ingest/modes.sh)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "flood-stats") return FloodStats.Run(args[1..]);
        if (args.Length > 0 && args[0] == "bare-broker") return await BareBroker.RunAsync(args[1..]).ConfigureAwait(false);
        if (args.Length > 0 && args[0] == "lag-subscriber") return await LagSubscriber.RunAsync(args[1..]).ConfigureAwait(false);
        if (args.Length > 0 && args[0] == "grains-direct-load") return await GrainsDirectLoad.RunAsync(args[1..]).ConfigureAwait(false);

        var a = Args.Parse(args);
        List<Scenario> plan;
        TargetKind[] targets = [TargetKind.Grains, TargetKind.Bare];
        string title;
        try
        {
            if (a.Has("--smoke"))
            {
                plan = SmokePlan();
                title = "Smoke run";
            }
            else if (a.Has("--full"))
            {
                plan = FullPlan();
                title = "Full run";
            }
            else if (a.Positional is ["run", ..])
            {
                var rates = (a.Get("--rate") ?? throw new FormatException("--rate is required")).Split(',')
                    .Select(r => double.Parse(r, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
                var devices = a.GetInt("--devices", 1000);
                var kind = rates.Length > 1 ? (a.GetInt("--batch", 1) > 1 ? "batch" : "sweep") : "steady";
                plan = [.. rates.Select(r => new Scenario($"{devices / 1000.0:0.#}k", kind, devices, r, a.GetInt("--batch", 1),
                    a.GetDuration("--warmup", TimeSpan.FromSeconds(10)), a.GetDuration("--duration", TimeSpan.FromSeconds(30))))];
                targets = a.Get("--target") switch
                {
                    "grains" => [TargetKind.Grains],
                    "bare" => [TargetKind.Bare],
                    null or "both" => targets,
                    var t => throw new FormatException($"--target {t}: use grains, bare or both"),
                };
                title = "Custom run";
            }
            else if (a.Positional is ["grains-direct", ..])
            {
                var users = a.GetInt("--users", 100_000);
                plan = [new Scenario($"{users / 1000.0:0.#}k direct", "direct", users, a.GetDouble("--rate", 10_000), 1,
                    a.GetDuration("--warmup", TimeSpan.FromSeconds(10)), a.GetDuration("--duration", TimeSpan.FromSeconds(40)), LiveHeap: true)];
                targets = [TargetKind.Grains];
                title = "Grain path without MQTT";
            }
            else
            {
                await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
                return a.Has("--help") || args.Length == 0 ? 0 : 2;
            }
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        if (a.Has("--samples-out") && (a.Get("--samples-out") is null || plan.Count != 1 || targets.Length != 1 || plan[0].Kind == "direct"))
        {
            await Console.Error.WriteLineAsync("--samples-out FILE needs 'run' with one --rate and one --target (one MQTT run)\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var environment = ParseEnvironment(a.Get("--target-env"));
        var loadEnvironment = ParseEnvironment(a.Get("--load-env"));
        using var cts = DriverCli.CancelOnCtrlC();

        var results = new List<ScenarioResult>();
        try
        {
            var run = new RunContext(Paths.Discover(), environment, loadEnvironment, a.Has("--verbose"), a.Has("--gc-log"), a.Has("--alloc-types"),
                (a.Get("--silo-args") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                a.GetInt("--flood", 0), a.Has("--flood-interval") ? a.GetDuration("--flood-interval", TimeSpan.FromSeconds(1)) : null,
                a.Get("--samples-out"), a.Has("--flood-phase") ? a.GetDuration("--flood-phase", TimeSpan.FromSeconds(20)) : null);
            await Console.Error.WriteLineAsync($"ingest benchmark: {plan.Count} scenarios × {targets.Length} targets; open-file limit {ProcStats.Run("sh", "-c \"ulimit -Hn\"").Trim()} per process").ConfigureAwait(false);
            foreach (var group in plan.GroupBy(s => s.Group))
            {
                foreach (var kind in targets)
                {
                    if (group.First().Kind == "direct" && kind != TargetKind.Grains) continue;
                    results.AddRange(await RunGroupAsync(kind, group.ToList(), run, cts.Token).ConfigureAwait(false));
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            ChildProcess.KillAll();
        }

        var commit = ProcStats.Run("git", "-C " + Paths.Discover().RepoRoot + " describe --always --dirty").Trim();
        var report = Report.Render(results, $"{title}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, commit {commit}{Env("target", environment)}{Env("load generator", loadEnvironment)}{(a.Get("--silo-args") is { } sa ? ", silo args " + sa : "")}{(a.GetInt("--flood", 0) is > 0 and var f ? $", {f} flooding device(s)" : "")}");
        Console.WriteLine(report);
        if (a.Get("--report") is { } file) await File.AppendAllTextAsync(file, report + "\n").ConfigureAwait(false);
        return results.Count > 0 && results.All(r => r.Error is null) ? 0 : 1;
    }

    private static async Task<List<ScenarioResult>> RunGroupAsync(TargetKind kind, List<Scenario> scenarios, RunContext run, CancellationToken ct)
    {
        var results = new List<ScenarioResult>();
        await using var target = await Target.StartAsync(kind, run, ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);   // let start-up settle (JIT, first GCs, first gauges)
        var sample = await target.FreshSampleAsync().ConfigureAwait(false);
        var baseline = new Baseline(ProcStats.RssBytes(target.Pid), sample?.Gauges?.HeapBytes);
        await Console.Error.WriteLineAsync($"{kind} target pid {target.Pid} on MQTT port {target.MqttPort}: baseline RSS {baseline.RssBytes / 1048576.0:0} MB" +
            (baseline.HeapBytes is { } h ? $", heap {h / 1048576.0:0} MB" : "")).ConfigureAwait(false);
        var prefix = "b" + scenarios[0].Group.Replace(".", "", StringComparison.Ordinal).ToLowerInvariant();
        foreach (var s in scenarios)
        {
            if (target.HasExited)
            {
                await Console.Error.WriteLineAsync($"{kind} target exited:\n{target.Tail()}").ConfigureAwait(false);
                break;
            }

            await using var flood = run.Flood > 0 && kind == TargetKind.Grains ? await Flooder.StartAsync(target, run.Flood, ct, run.FloodInterval, run.FloodPhase).ConfigureAwait(false) : null;
            results.Add(s.Kind == "direct"
                ? await ScenarioRunner.RunDirectAsync(target, baseline, s, run, ct).ConfigureAwait(false)
                : await ScenarioRunner.RunMqttAsync(target, baseline, s, run, prefix, ct).ConfigureAwait(false));
            if (flood is not null) await Console.Error.WriteLineAsync("   " + flood.Summary()).ConfigureAwait(false);
        }

        return results;
    }

    private static List<Scenario> SmokePlan()
    {
        var w = TimeSpan.FromSeconds(2);
        var d = TimeSpan.FromSeconds(5);
        return
        [
            new("smoke", "steady", 100, 200, 1, w, d),
            new("smoke-direct", "direct", 200, 200, 1, w, d, LiveHeap: true),
        ];
    }

    /// <summary>The scenarios of docs/benchmarks.md; groups share one target process per target kind.</summary>
    private static List<Scenario> FullPlan()
    {
        var w = TimeSpan.FromSeconds(5);
        var step = TimeSpan.FromSeconds(15);
        var plan = new List<Scenario>
        {
            new("1k", "steady", 1_000, 1_000, 1, w, TimeSpan.FromSeconds(30)),
            new("10k", "sweep", 10_000, 10_000, 1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40)),   // the target load
            new("18k", "steady", 18_000, 10_000, 1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)),
            // 2 500/s for 40 s reaches every one of the 100k users at least once; then the target rate.
            new("100k-direct", "direct", 100_000, 2_500, 1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40), LiveHeap: true),
            new("100k-direct", "direct", 100_000, 10_000, 1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)),
        };
        foreach (var r in new[] { 20_000, 10_000, 5_000 }) plan.Insert(1, new("1k", "sweep", 1_000, r, 1, w, step));
        foreach (var r in new[] { 5_000, 15_000, 20_000, 25_000, 30_000 }) plan.Add(new("10k", "sweep", 10_000, r, 1, w, step));
        // Batches need two batch periods (10 readings × devices / rate) to reach their steady state.
        foreach (var r in new[] { 10_000, 20_000, 40_000 })
            plan.Add(new("10k", "batch", 10_000, r, 10, TimeSpan.FromSeconds(Math.Max(5, 2 * 10 * 10_000 / r)), TimeSpan.FromSeconds(20)));
        return [.. plan.OrderBy(s => s.Group switch { "1k" => 0, "10k" => 1, "18k" => 2, _ => 3 })];
    }

    private static string Env(string who, Dictionary<string, string> env) =>
        env.Count == 0 ? "" : $", {who} env {string.Join(' ', env.Select(kv => $"{kv.Key}={kv.Value}"))}";

    private static Dictionary<string, string> ParseEnvironment(string? text)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text)) return env;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new FormatException($"--target-env: '{pair}' is not KEY=VALUE");
            env[pair[..eq]] = pair[(eq + 1)..];
        }

        return env;
    }
}
