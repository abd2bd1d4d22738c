using System.Globalization;
using System.Text.Json;
using Osr.Orleans.Benchmarks.Ingest;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>
/// The decision path end to end (docs/benchmarks.md "Decisions (issue 4)"): from the MQTT reading that changes a user's
/// state to the notification on the user's MQTT topic, with and without background load, and decisions per second per core
/// on the scoring + throttle path without MQTT. One silo (Release build, free ports, temp data and model directories,
/// <c>Osr:Decisions:MinInterval=00:00:01</c>) serves every phase of a run, in this order: probes without load, the scoring
/// phase, probes under the simulator's load (so the load's users are not yet in memory during the first two). With
/// <c>--mqtt external</c> the silo runs in External mode against a Mosquitto of its own (<see cref="ExternalMqtt"/>): the probe,
/// scoring and load devices' accounts are written into the broker's dynamic-security file while it is stopped (<c>--broker-file</c>),
/// and the probes and the load publish to the broker. Every process it starts is stopped by PID when it ends, also on Ctrl+C.
/// </summary>
public static class DecisionsBenchmark
{
    private const string Usage = """
        usage: Osr.Orleans.Benchmarks decisions <mode> [options]
          --smoke      about a minute: 5 probes under a tiny load (20 users), a short scoring phase; exit 0 only if at least one
                       notification latency was measured
          --full       100 probes without load (60 s) and under 10 000 devices at 5 000 readings/s (90 s); scoring phase with
                       2 000 users (about 8 minutes)
          run          a custom run; options (defaults of --full):
                         --probes 100 --hz 2 --half-period 4s --probe-warmup 10s --window 60s
                         --phases noload,scoring,load
                         --load-devices 10000 --load-rate 5000 --load-warmup 20s --load-window 90s
                         --scoring-users 2000 --concurrency 32 --scoring-warmup 10s --ingest-window 20s --score-window 30s
        options: --mqtt embedded|external  the silo's MQTT mode (default embedded); external: a Mosquitto started with scripts/broker.sh
                                 on a free port, the silo in External mode, device accounts written into the broker's file while
                                 it is stopped (devices import / simulate --broker-file, then the broker restarted)
                 --report FILE           also append the markdown tables to FILE
                 --silo-args A[,A]       extra silo arguments (after the benchmark's own)
                 --target-env K=V[,K=V]  environment of the silo (e.g. DOTNET_gcServer=1)
                 --gc-log                print every GC pause of the silo (EventPipe)
                 --alloc-types           print what the silo allocates in each window, by type (sampled GC AllocationTick events)
                 --silo-tail             print the silo's last lines of output at the end (e.g. with --silo-args=--Logging:LogLevel:Osr=Debug)
                 --keep                  keep the temporary directory (CSV files, silo data, models)
                 --no-wait               do not wait for other benchmark processes (Osr.Orleans.Silo.dll / Osr.Orleans.Benchmarks) to end
        child processes (started by the driver): probe-load …, scoring-load …
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["probe-load", ..]) return await ProbeLoad.RunAsync(args[1..]).ConfigureAwait(false);
        if (args is ["scoring-load", ..]) return await ScoringLoad.RunAsync(args[1..]).ConfigureAwait(false);

        var a = Args.Parse(args);
        var (plan, exit) = await DriverCli.ChoosePlanAsync(a, args.Length, Usage, x =>
            x.Has("--smoke") ? DecisionsPlan.Smoke : x.Has("--full") ? DecisionsPlan.Full : x.Positional is ["run", ..] ? DecisionsPlan.Custom(x) : null)
            .ConfigureAwait(false);
        if (plan is null) return exit;

        var mqttMode = (a.Get("--mqtt") ?? "embedded").ToLowerInvariant();
        if (mqttMode is not ("embedded" or "external"))
        {
            await Console.Error.WriteLineAsync($"--mqtt: embedded or external, got '{mqttMode}'\n{Usage}").ConfigureAwait(false);
            return 2;
        }

        ExternalMqtt? broker = null;
        using var cts = DriverCli.CancelOnCtrlC(() => broker?.Kill());
        var log = Console.Error;
        try
        {
            if (!a.Has("--no-wait")) await OtherBenchmarks.WaitAsync(log, TimeSpan.FromMinutes(60), cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            await log.WriteLineAsync("cancelled while waiting for other benchmark processes; nothing was started").ConfigureAwait(false);
            return 1;
        }


        var directory = Path.Combine(Path.GetTempPath(), $"osr-decisions-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        var results = new List<PhaseResult>();
        string? failure = null;
        var started = DateTimeOffset.UtcNow;
        try
        {
            var paths = Paths.Discover();
            if (mqttMode == "external") broker = await ExternalMqtt.StartNewAsync(paths, Path.Combine(directory, "broker"), log, cts.Token).ConfigureAwait(false);
            string[] siloArgs =
            [
                "--Osr:Decisions:MinInterval=00:00:01",
                "--Osr:Ops:Port=0",
                .. broker?.SiloArgs ?? [],
                $"--Osr:Data:Path={Path.Combine(directory, "data")}",
                $"--Osr:Models:Path={Path.Combine(directory, "models")}",
                .. (a.Get("--silo-args") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ];
            var run = new RunContext(paths, ParseEnvironment(a.Get("--target-env")), new Dictionary<string, string>(), false, a.Has("--gc-log"),
                a.Has("--alloc-types"), siloArgs);
            await log.WriteLineAsync($"decisions benchmark ({plan.Name}): silo {string.Join(' ', siloArgs)}; temp {directory}").ConfigureAwait(false);
            await using var target = await Target.StartAsync(TargetKind.Grains, run, cts.Token).ConfigureAwait(false);
            await using var cluster = await new OrleansClusterConnectionFactory().ConnectAsync(
                new ClusterTarget(ClusterMode.Static, target.GatewayPort, new EndpointParser.HostPort("127.0.0.1", target.GatewayPort), null),
                verbose: false, cts.Token).ConfigureAwait(false);
            if (broker is not null) await broker.WaitForSiloAsync(TimeSpan.FromSeconds(60), cts.Token).ConfigureAwait(false);
            var mqtt = $"127.0.0.1:{broker?.Port ?? target.MqttPort}";
            await log.WriteLineAsync($"silo pid {target.Pid}, MQTT {(broker is null ? "embedded broker" : $"external broker (Mosquitto PID {broker.Pid})")} {mqtt}, gateway {target.Gateway}").ConfigureAwait(false);

            var loadUsers = plan.Phases.Contains("load") ? ScenarioRunner.UsersForDevices(plan.LoadDevices) : 0;
            var provisioning = new Provisioning(paths, target.Gateway, directory, broker, log);
            var (probeFile, scoringFile) = await provisioning.RunAsync(plan.Probes, plan.Phases.Contains("scoring") ? plan.ScoringUsers : 0,
                [.. Enumerable.Range(0, loadUsers).Select(i => Provisioning.LoadUser(DecisionsPlan.LoadPrefix, i))], cts.Token).ConfigureAwait(false);

            var phases = new PhaseRunner(target, cluster.Grains, paths, plan, mqtt, broker, log);
            foreach (var phase in plan.Phases)
            {
                if (target.HasExited) throw new InvalidOperationException("the silo exited:\n" + target.Tail());
                results.Add(phase switch
                {
                    "noload" => await phases.ProbesAsync("no load", probeFile, withLoad: false, cts.Token).ConfigureAwait(false),
                    "load" => await phases.ProbesAsync($"{plan.LoadDevices / 1000.0:0.##}k devices @ {plan.LoadRate / 1000.0:0.##}k r/s", probeFile, withLoad: true, cts.Token).ConfigureAwait(false),
                    "scoring" => await phases.ScoringAsync(scoringFile, cts.Token).ConfigureAwait(false),
                    _ => throw new FormatException($"unknown phase {phase}"),
                });
                await log.WriteLineAsync("   " + DecisionsReport.OneLine(results[^1])).ConfigureAwait(false);
            }

            if (a.Has("--silo-tail")) await log.WriteLineAsync("silo output (last lines):\n" + target.Tail()).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            failure = "cancelled";
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or TimeoutException or CliFailureException)
        {
            failure = ex.Message;
        }
        finally
        {
            ChildProcess.KillAll();
            if (broker is not null) await broker.DisposeAsync().ConfigureAwait(false);
            if (!a.Has("--keep"))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // Best effort.
                }
            }
        }

        if (failure is not null) await log.WriteLineAsync("error: " + failure).ConfigureAwait(false);
        var commit = ProcStats.Run("git", "-C " + Paths.Discover().RepoRoot + " describe --always --dirty").Trim();
        var report = DecisionsReport.Render(results, plan,
            $"Decisions, {plan.Name}, {(mqttMode == "external" ? "external broker (" + ExternalMqtt.Version() + ")" : "embedded broker")}, {started:yyyy-MM-dd HH:mm} UTC, commit {commit}{(a.Get("--silo-args") is { } sa ? ", silo args " + sa : "")}" +
            (a.Get("--target-env") is { } te ? ", silo env " + te : ""));
        Console.WriteLine(report);
        if (a.Get("--report") is { } file) await File.AppendAllTextAsync(file, report + "\n").ConfigureAwait(false);

        var measured = results.Sum(r => r.Probe?.Count ?? 0);
        if (plan.Name == "smoke") return failure is null && measured > 0 ? 0 : 1;
        return failure is null && results.Count == plan.Phases.Length && results.All(r => r.Error is null) ? 0 : 1;
    }

    private static Dictionary<string, string> ParseEnvironment(string? text)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new FormatException($"--target-env: '{pair}' is not KEY=VALUE");
            env[pair[..eq]] = pair[(eq + 1)..];
        }

        return env;
    }
}

/// <summary>What one run does (sizes, windows, phases).</summary>
internal sealed record DecisionsPlan(
    string Name,
    string[] Phases,
    int Probes,
    double Hz,
    TimeSpan HalfPeriod,
    TimeSpan ProbeWarmup,
    TimeSpan Window,
    int LoadDevices,
    double LoadRate,
    TimeSpan LoadWarmup,
    TimeSpan LoadWindow,
    int ScoringUsers,
    int Concurrency,
    TimeSpan ScoringWarmup,
    TimeSpan IngestWindow,
    TimeSpan ScoreWindow)
{
    public const string LoadPrefix = "bl";

    public static DecisionsPlan Full { get; } = new("full", ["noload", "scoring", "load"], 100, 2, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(60), 10_000, 5_000, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(90), 2_000, 32, TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));

    public static DecisionsPlan Smoke { get; } = new("smoke", ["load", "scoring"], 5, 2, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4),
        TimeSpan.FromSeconds(10), 20, 20, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), 100, 8, TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));

    public static DecisionsPlan Custom(Args a)
    {
        var f = Full;
        var phases = (a.Get("--phases") ?? string.Join(',', f.Phases)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var p in phases)
            if (p is not ("noload" or "load" or "scoring")) throw new FormatException($"--phases: unknown phase '{p}' (noload, scoring, load)");
        return new DecisionsPlan("custom", phases,
            a.GetInt("--probes", f.Probes), a.GetDouble("--hz", f.Hz), a.GetDuration("--half-period", f.HalfPeriod),
            a.GetDuration("--probe-warmup", f.ProbeWarmup), a.GetDuration("--window", f.Window),
            a.GetInt("--load-devices", f.LoadDevices), a.GetDouble("--load-rate", f.LoadRate), a.GetDuration("--load-warmup", f.LoadWarmup),
            a.GetDuration("--load-window", f.LoadWindow),
            a.GetInt("--scoring-users", f.ScoringUsers), a.GetInt("--concurrency", f.Concurrency), a.GetDuration("--scoring-warmup", f.ScoringWarmup),
            a.GetDuration("--ingest-window", f.IngestWindow), a.GetDuration("--score-window", f.ScoreWindow));
    }
}

/// <summary>Counters of decisions from the cluster's stats (<c>decisions.sent</c>, <c>decisions.suppressed.{rule}</c>).</summary>
/// <param name="SegmentSent">Pushes to users of <see cref="Provisioning.Segment"/> (probe and scoring users), from <c>notifications.sent.segment.…</c>.</param>
internal sealed record DecisionCounts(long Sent, Dictionary<string, long> Suppressed, long ReadingsAccepted, long SegmentSent)
{
    public long Total => Sent + Suppressed.Values.Sum();

    public static async Task<DecisionCounts?> ReadAsync(IGrainFactory grains)
    {
        try
        {
            var stats = await grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            var suppressed = stats.Totals.Counters
                .Where(kv => kv.Key.StartsWith(CounterNames.DecisionsSuppressedPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[CounterNames.DecisionsSuppressedPrefix.Length..], kv => kv.Value, StringComparer.Ordinal);
            return new DecisionCounts(stats.Totals[CounterNames.DecisionsSent], suppressed, stats.Totals[CounterNames.ReadingsAccepted],
                stats.Totals[CounterNames.NotificationsSent + CounterNames.BySegment + Provisioning.Segment]);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return null;
        }
    }

    public static DecisionCounts? Delta(DecisionCounts? from, DecisionCounts? to)
    {
        if (from is null || to is null) return null;
        var suppressed = to.Suppressed.ToDictionary(kv => kv.Key, kv => kv.Value - from.Suppressed.GetValueOrDefault(kv.Key), StringComparer.Ordinal);
        return new DecisionCounts(to.Sent - from.Sent, suppressed.Where(kv => kv.Value != 0).ToDictionary(StringComparer.Ordinal),
            to.ReadingsAccepted - from.ReadingsAccepted, to.SegmentSent - from.SegmentSent);
    }
}

/// <summary>One phase of a run and everything measured in its window.</summary>
internal sealed record PhaseResult(
    string Name,
    string Kind,
    double WindowSeconds,
    ProbeResult? Probe,
    ScoringResult? Scoring,
    SimulationJson? Load,
    double SiloCores,
    double DriverChildCores,
    double LoadCores,
    double? IngestSiloCores,
    ProcessDiagnostics? SiloGc,
    DecisionCounts? Decisions,
    double? IngestSeconds,
    string? Error,
    double OtherCores,
    double? BrokerCores = null);

/// <summary>Runs the phases against one silo, sampling its CPU (from /proc) and GC (EventPipe) in each measured window.</summary>
/// <param name="mqtt">HOST:PORT the probes and the load publish to: the silo's embedded broker or the external one.</param>
/// <param name="broker">The external broker, or null in embedded mode.</param>
internal sealed class PhaseRunner(Target target, IGrainFactory grains, Paths paths, DecisionsPlan plan, string mqtt, ExternalMqtt? broker, TextWriter log)
{
    /// <summary>Counters reach the stats grain about once a second: read them this long after a window edge.</summary>
    private static readonly TimeSpan CounterLag = TimeSpan.FromSeconds(1.5);

    public async Task<PhaseResult> ProbesAsync(string name, string probeFile, bool withLoad, CancellationToken ct)
    {
        var window = withLoad ? plan.LoadWindow : plan.Window;
        await log.WriteLineAsync($"── probes, {name}: {plan.Probes} probes at {plan.Hz} readings/s, rest/effort every {plan.HalfPeriod.TotalSeconds:0.#} s, window {window.TotalSeconds:0} s").ConfigureAwait(false);
        ChildProcess? load = null;
        string? error = null;
        try
        {
            if (withLoad)
            {
                var users = ScenarioRunner.UsersForDevices(plan.LoadDevices);
                var runFor = plan.ProbeWarmup + window + TimeSpan.FromSeconds(20);
                var args = ScenarioRunner.SimulateArgs(users, plan.LoadRate, DecisionsPlan.LoadPrefix, mqtt, plan.LoadWarmup, runFor);
                args.AddRange(["--gateway", target.Gateway, "--no-catalog"]);
                if (plan.LoadDevices > 5000) args.AddRange(["--local-addresses", "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4"]);
                // External: the load's accounts go into the broker's file while it is stopped; the simulator waits for its restart.
                if (broker is not null)
                {
                    args.AddRange(["--broker-file", broker.AccountsFile]);
                    await broker.StopAsync(ct).ConfigureAwait(false);
                }

                await log.WriteLineAsync($"   load: osr-admin {string.Join(' ', args)}").ConfigureAwait(false);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                load = ChildProcess.StartDotnet("load generator", paths.AdminDll, args, captureStdout: true);
                var publishing = load.WaitForLineAsync(l => l.StartsWith("publishing ", StringComparison.Ordinal), TimeSpan.FromMinutes(15), ct);
                if (broker is not null)
                {
                    var wrote = await load.WaitForLineAsync(l => l.StartsWith("wrote ", StringComparison.Ordinal) && l.Contains(" broker accounts to ", StringComparison.Ordinal),
                        TimeSpan.FromMinutes(15), ct).ConfigureAwait(false);
                    await log.WriteLineAsync($"   load registered in {clock.Elapsed.TotalSeconds:0} s: {wrote}").ConfigureAwait(false);
                    await broker.StartAsync(ct).ConfigureAwait(false);
                }

                await publishing.ConfigureAwait(false);
                if (broker is not null) await broker.WaitForSiloAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
                await log.WriteLineAsync($"   load connected after {clock.Elapsed.TotalSeconds:0} s").ConfigureAwait(false);
                await log.WriteLineAsync($"   load publishing; settling {plan.LoadWarmup.TotalSeconds:0} s").ConfigureAwait(false);
                await Task.Delay(plan.LoadWarmup, ct).ConfigureAwait(false);
            }

            await using var probes = ProbeLoad.Start(paths, mqtt, probeFile, plan.Hz, plan.HalfPeriod, plan.ProbeWarmup, window, log);
            var open = probes.WaitForLineAsync(l => l == "window open", TimeSpan.FromMinutes(5), ct);
            var closed = probes.WaitForLineAsync(l => l == "window closed", TimeSpan.FromMinutes(5) + window, ct);
            await open.ConfigureAwait(false);
            var w = await WindowSampler.StartAsync(target, grains, probes.Pid, load?.Pid, CounterLag, broker?.Pid).ConfigureAwait(false);
            await closed.ConfigureAwait(false);
            var sample = await w.EndAsync(CounterLag).ConfigureAwait(false);
            await PrintAllocationsAsync(w, null, "").ConfigureAwait(false);
            (var probe, error) = await ProbeLoad.FinishAsync(probes, ct).ConfigureAwait(false);

            SimulationJson? summary = null;
            if (load is not null)
            {
                if (!await load.WaitForExitAsync(TimeSpan.FromSeconds(120), ct).ConfigureAwait(false)) error ??= "load generator did not finish (killed)";
                else if (load.ExitCode != 0) error ??= $"load generator exited with {load.ExitCode}:\n{load.Tail()}";
                summary = ChildProcess.ParseLastJson(load.Stdout, AdminJsonContext.Default.SimulationJson);
            }

            return new PhaseResult(name, withLoad ? "load" : "noload", sample.Seconds, probe, null, summary, sample.SiloCores, sample.ChildCores,
                sample.LoadCores, null, sample.Gc, sample.Decisions, null, error, sample.OtherCores, sample.BrokerCores);
        }
        finally
        {
            if (load is not null) await load.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<PhaseResult> ScoringAsync(string scoringFile, CancellationToken ct)
    {
        await log.WriteLineAsync($"── scoring (no MQTT): {plan.ScoringUsers} users, {plan.Concurrency} workers, windows {plan.ScoreWindow.TotalSeconds:0} s (ingest + score, closed loop) and {plan.IngestWindow.TotalSeconds:0} s (ingest only at the same rate)").ConfigureAwait(false);
        string[] args =
        [
            "decisions", "scoring-load", "--gateway", target.Gateway, "--devices", scoringFile, "--concurrency", I(plan.Concurrency),
            "--warmup", DurationParser.Format(plan.ScoringWarmup), "--ingest-window", DurationParser.Format(plan.IngestWindow),
            "--score-window", DurationParser.Format(plan.ScoreWindow),
        ];
        await using var child = ChildProcess.StartDotnet("scoring load", paths.BenchmarkDll, args, captureStdout: true,
            onStderr: line => log.WriteLine("   scoring | " + line));
        var limit = TimeSpan.FromMinutes(5) + plan.ScoringWarmup + plan.IngestWindow + plan.ScoreWindow;
        var scoreOpen = child.WaitForLineAsync(l => l == "window score open", limit, ct);
        var scoreClosed = child.WaitForLineAsync(l => l == "window score closed", limit, ct);
        var ingestOpen = child.WaitForLineAsync(l => l == "window ingest open", limit, ct);
        var ingestClosed = child.WaitForLineAsync(l => l == "window ingest closed", limit, ct);
        // The client pauses 3 s before and after the score window, so the counters are read settled at both edges.
        await scoreOpen.ConfigureAwait(false);
        var w = await WindowSampler.StartAsync(target, grains, child.Pid, null, TimeSpan.Zero).ConfigureAwait(false);
        await scoreClosed.ConfigureAwait(false);
        var score = await w.EndAsync(TimeSpan.FromSeconds(2.5)).ConfigureAwait(false);
        await PrintAllocationsAsync(w, score.Decisions?.Total, "decision (with its reading)").ConfigureAwait(false);
        await ingestOpen.ConfigureAwait(false);
        w = await WindowSampler.StartAsync(target, null, child.Pid, null, TimeSpan.Zero).ConfigureAwait(false);
        await ingestClosed.ConfigureAwait(false);
        var ingest = await w.EndAsync(TimeSpan.Zero).ConfigureAwait(false);
        await PrintAllocationsAsync(w, null, "reading").ConfigureAwait(false);
        string? error = null;
        if (!await child.WaitForExitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false)) error = "scoring load did not finish (killed)";
        else if (child.ExitCode != 0) error = $"scoring load exited with {child.ExitCode}";
        var result = ChildProcess.ParseLastJson(child.Stdout, DecisionsJsonContext.Default.ScoringResult);
        if (result is null) error ??= "no scoring result";
        return new PhaseResult("scoring, no MQTT", "scoring", score.Seconds, null, result, null, score.SiloCores, score.ChildCores, 0,
            ingest.SiloCores, score.Gc, score.Decisions, ingest.Seconds, error, Math.Max(score.OtherCores, ingest.OtherCores));
    }

    private async Task PrintAllocationsAsync(WindowSampler w, long? count, string per)
    {
        if (w.AllocationsByType.Count == 0) return;
        var total = w.AllocationsByType.Sum(t => t.Bytes);
        await log.WriteLineAsync(F($"   silo allocations by type (sampled, {total / 1048576.0:0} MB){(count is > 0 ? $"; bytes per {per}" : "")}:")).ConfigureAwait(false);
        foreach (var (type, bytes) in w.AllocationsByType.Take(20))
            await log.WriteLineAsync(F($"     {bytes * 100.0 / total,5:0.0} %  {(count is > 0 ? $"{bytes / (double)count.Value,9:N0} B  " : "")}{type}")).ConfigureAwait(false);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);


    private static string I(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>CPU of the silo, the driver's child and the load generator, the silo's GC, and the decision counters over one window.</summary>
    private sealed class WindowSampler
    {
        private Target _target = null!;
        private IGrainFactory? _grains;
        private int _child;
        private int? _load;
        private int? _broker;
        private TimeSpan _silo0, _child0, _load0, _broker0;
        private double _machine0;
        private System.Diagnostics.Stopwatch _clock = null!;
        private Task<DecisionCounts?>? _counts0;

        /// <summary>Sampled allocations of the silo by type in the window (only with <c>--alloc-types</c>), largest first.</summary>
        public IReadOnlyList<(string Type, long Bytes)> AllocationsByType { get; private set; } = [];

        /// <param name="counterLag">How long after the window edge to read the counters (they reach the stats grain about once a second).</param>
        /// <param name="broker">The external broker's PID, or null in embedded mode.</param>
        public static Task<WindowSampler> StartAsync(Target target, IGrainFactory? grains, int child, int? load, TimeSpan counterLag, int? broker = null)
        {
            var s = new WindowSampler
            {
                _target = target, _grains = grains, _child = child, _load = load, _broker = broker,
                _silo0 = ProcStats.CpuTime(target.Pid), _child0 = ProcStats.CpuTime(child),
                _load0 = load is { } l ? ProcStats.CpuTime(l) : TimeSpan.Zero,
                _broker0 = broker is { } b ? ProcStats.CpuTime(b) : TimeSpan.Zero,
                _machine0 = ProcStats.MachineBusySeconds(),
                _clock = System.Diagnostics.Stopwatch.StartNew(),
            };
            target.Monitor?.BeginWindow();
            if (grains is not null) s._counts0 = DelayedCountsAsync(grains, counterLag);
            return Task.FromResult(s);
        }

        public async Task<Sample> EndAsync(TimeSpan counterLag)
        {
            var seconds = _clock.Elapsed.TotalSeconds;
            var silo = (ProcStats.CpuTime(_target.Pid) - _silo0).TotalSeconds / seconds;
            var child = (ProcStats.CpuTime(_child) - _child0).TotalSeconds / seconds;
            var load = _load is { } l ? (ProcStats.CpuTime(l) - _load0).TotalSeconds / seconds : 0;
            double? broker = _broker is { } b ? (ProcStats.CpuTime(b) - _broker0).TotalSeconds / seconds : null;
            var other = (ProcStats.MachineBusySeconds() - _machine0) / seconds - silo - child - load - (broker ?? 0);
            var gc = _target.Monitor?.EndWindow();
            AllocationsByType = _target.Monitor?.AllocationsByType ?? [];
            DecisionCounts? delta = null;
            if (_grains is not null && _counts0 is not null)
            {
                var end = await DelayedCountsAsync(_grains, counterLag).ConfigureAwait(false);
                delta = DecisionCounts.Delta(await _counts0.ConfigureAwait(false), end);
            }

            return new Sample(seconds, silo, child, load, gc, delta, Math.Max(0, other), broker);
        }

        private static async Task<DecisionCounts?> DelayedCountsAsync(IGrainFactory grains, TimeSpan lag)
        {
            if (lag > TimeSpan.Zero) await Task.Delay(lag).ConfigureAwait(false);
            return await DecisionCounts.ReadAsync(grains).ConfigureAwait(false);
        }
    }

    /// <param name="OtherCores">CPU used on the machine by everything else (other work, this driver, the kernel), from /proc/stat.</param>
    /// <param name="BrokerCores">CPU of the external broker (Mosquitto); null in embedded mode.</param>
    private sealed record Sample(double Seconds, double SiloCores, double ChildCores, double LoadCores, ProcessDiagnostics? Gc, DecisionCounts? Decisions,
        double OtherCores, double? BrokerCores);
}

/// <summary>Waits while a silo or benchmark process that is not ours runs (the machine has 2 cores: one measurement at a time).</summary>
internal static class OtherBenchmarks
{
    public static async Task WaitAsync(TextWriter log, TimeSpan limit, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var said = false;
        while (watch.Elapsed < limit)
        {
            var others = Find();
            if (others.Count == 0) return;
            if (!said) await log.WriteLineAsync($"waiting for other benchmark processes to end: {string.Join("; ", others)}").ConfigureAwait(false);
            said = true;
            await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        }

        await log.WriteLineAsync("other benchmark processes still running after the wait; measuring anyway").ConfigureAwait(false);
    }

    /// <summary>Processes whose command line names the silo or this benchmark, other than this process and its ancestors.</summary>
    private static List<string> Find()
    {
        var mine = new HashSet<int>();
        for (var pid = Environment.ProcessId; pid > 1 && mine.Add(pid);) pid = ProcStats.ParentOf(pid);
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || mine.Contains(pid)) continue;
            string cmd;
            try
            {
                cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (cmd.Contains("Osr.Orleans.Silo.dll", StringComparison.Ordinal) || cmd.Contains("Osr.Orleans.Benchmarks", StringComparison.Ordinal))
                found.Add($"{pid} {(cmd.Length > 100 ? cmd[..100] + "…" : cmd)}");
        }

        return found;
    }
}
