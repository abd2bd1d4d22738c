using System.Diagnostics;
using System.Globalization;
using System.Text;
using Osr.Orleans.Benchmarks.Decisions;
using Osr.Orleans.Benchmarks.Ingest;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Client.Output;

namespace Osr.Orleans.Benchmarks.Cluster;

/// <summary>
/// The durable cluster on one machine (docs/benchmarks.md "Cluster"): for each silo count, a fresh PostgreSQL server
/// (<see cref="PrivatePostgres"/>), the schema migrated with <c>osr-admin db migrate</c>, N silos with ADO.NET membership and
/// grain storage on it (each on free loopback ports, a bounded connection pool), the decisions benchmark's provisioning, then
/// one fixed-rate load (<c>osr-admin simulate</c> over every broker) and the latency probes spread over the brokers
/// (<c>decisions probe-load</c>): readings/s achieved, PUBACK latency, reading → notification latency (a decision made on one
/// silo reaches a probe on another silo's broker through the notification relay), CPU of the silos, PostgreSQL, the load
/// generator, the probes and everything else. Optionally a saturation ladder per silo count. Every process it starts is
/// stopped by PID when a silo count is done, also on failure and Ctrl+C.
/// </summary>
public static class ClusterBenchmark
{
    private const string Usage = """
        usage: Osr.Orleans.Benchmarks cluster <mode> [options]
          --smoke      under 90 s: 1 silo, 6 probes, a small load; exit 0 only if a notification latency was measured
          --full       1, 2 and 3 silos: 60 probes, 2 000 simulated users at 2 000 readings/s, a 60 s window each
          run          a custom run; options (defaults of --full):
                         --silos 1,2,3 --repeat 1 --probes 60 --hz 2 --half-period 4s --probe-warmup 10s --window 60s
                         --users 2000 --rate 2000 --load-warmup 20s --pool 40
                         --saturation R[,R…]   after the window, the load alone at each rate (--step 20s, 10 s warm-up)
        options: --report FILE           also append the markdown tables to FILE
                 --silo-args A[,A]       extra silo arguments (after the benchmark's own)
                 --keep                  keep the temporary directory (silo data, PostgreSQL data and log)
                 --no-wait               do not wait for other silo / benchmark processes to end (at most 10 minutes otherwise)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var a = Args.Parse(args);
        var (plan, exit) = await DriverCli.ChoosePlanAsync(a, args.Length, Usage, x =>
            x.Has("--smoke") ? ClusterPlan.Smoke : x.Has("--full") ? ClusterPlan.Full : x.Positional is ["run", ..] ? ClusterPlan.Custom(x) : null)
            .ConfigureAwait(false);
        if (plan is null) return exit;

        using var cts = DriverCli.CancelOnCtrlC(PrivatePostgres.KillAll);
        var log = Console.Error;
        if (!a.Has("--no-wait")) await OtherBenchmarks.WaitAsync(log, TimeSpan.FromMinutes(10), cts.Token).ConfigureAwait(false);

        var root = Path.Combine(Path.GetTempPath(), $"osr-cluster-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var extraSiloArgs = (a.Get("--silo-args") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var results = new List<ClusterResult>();
        var started = DateTimeOffset.UtcNow;
        try
        {
            var paths = Paths.Discover();
            for (var repeat = 1; repeat <= plan.Repeat; repeat++)
            {
                foreach (var silos in plan.Silos)
                {
                    if (cts.IsCancellationRequested) break;
                    var run = new ClusterRun(paths, plan, silos, repeat, Path.Combine(root, $"silos{silos}-run{repeat}"), extraSiloArgs, log);
                    var result = await run.ExecuteAsync(cts.Token).ConfigureAwait(false);
                    results.Add(result);
                    await log.WriteLineAsync("   " + ClusterReport.OneLine(result)).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException ex)
        {
            await log.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
        }
        finally
        {
            ChildProcess.KillAll();
            PrivatePostgres.KillAll();
            if (!a.Has("--keep"))
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Best effort (PostgreSQL's files belong to its user).
                }
            }
        }

        var commit = ProcStats.Run("git", "-C " + Paths.Discover().RepoRoot + " describe --always --dirty").Trim();
        var report = ClusterReport.Render(results, plan,
            $"Cluster, {plan.Name}, {started:yyyy-MM-dd HH:mm} UTC, commit {commit}{(extraSiloArgs.Length > 0 ? ", silo args " + string.Join(',', extraSiloArgs) : "")}");
        Console.WriteLine(report);
        if (a.Get("--report") is { } file) await File.AppendAllTextAsync(file, report + "\n").ConfigureAwait(false);

        if (plan.Name == "smoke") return results.Any(r => r.Probe is { Count: > 0 }) ? 0 : 1;
        return results.Count == plan.Silos.Length * plan.Repeat && results.All(r => r.Error is null) ? 0 : 1;
    }
}

/// <summary>What one run measures: silo counts, the load, the probes and the windows.</summary>
internal sealed record ClusterPlan(
    string Name,
    int[] Silos,
    int Repeat,
    int Probes,
    double Hz,
    TimeSpan HalfPeriod,
    TimeSpan ProbeWarmup,
    TimeSpan Window,
    int Users,
    double Rate,
    TimeSpan LoadWarmup,
    int PoolSize,
    double[] Saturation,
    TimeSpan SaturationStep)
{
    public const string LoadPrefix = "cl";

    public static ClusterPlan Full { get; } = new("full", [1, 2, 3], 1, 60, 2, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(60), 2000, 2000, TimeSpan.FromSeconds(20), 40, [], TimeSpan.FromSeconds(20));

    public static ClusterPlan Smoke { get; } = new("smoke", [1], 1, 6, 2, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4),
        TimeSpan.FromSeconds(10), 20, 20, TimeSpan.FromSeconds(3), 40, [], TimeSpan.FromSeconds(10));

    public static ClusterPlan Custom(Args a)
    {
        var f = Full;
        var silos = (a.Get("--silos") ?? "1,2,3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 8
                ? n : throw new FormatException($"--silos: '{s}' is not a silo count from 1 to 8")).ToArray();
        var saturation = (a.Get("--saturation") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0
                ? r : throw new FormatException($"--saturation: '{s}' is not a positive rate")).ToArray();
        return new ClusterPlan("custom", silos, a.GetInt("--repeat", f.Repeat), a.GetInt("--probes", f.Probes), a.GetDouble("--hz", f.Hz),
            a.GetDuration("--half-period", f.HalfPeriod), a.GetDuration("--probe-warmup", f.ProbeWarmup), a.GetDuration("--window", f.Window),
            a.GetInt("--users", f.Users), a.GetDouble("--rate", f.Rate), a.GetDuration("--load-warmup", f.LoadWarmup), a.GetInt("--pool", f.PoolSize),
            saturation, a.GetDuration("--step", f.SaturationStep));
    }
}

/// <summary>One step of the saturation ladder: the load alone at <see cref="Offered"/> readings/s.</summary>
internal sealed record SaturationStep(double Offered, SimulationJson? Load, double SiloCores, double PostgresCores, string? Error);

/// <summary>Everything measured for one silo count.</summary>
internal sealed record ClusterResult(
    int Silos,
    int Repeat,
    string LoadAverage,
    double WindowSeconds,
    ProbeResult? Probe,
    SimulationJson? Load,
    DecisionCounts? Decisions,
    double[] SiloCores,
    double PostgresCores,
    double LoadCores,
    double ProbeCores,
    double OtherCores,
    double? LongestGcPauseMs,
    PostgresRates? Postgres,
    IReadOnlyList<SaturationStep> Saturation,
    string? Error);

/// <summary>One silo count: PostgreSQL, schema, silos, provisioning, the measured window, the saturation ladder, then everything stopped.</summary>
internal sealed class ClusterRun(Paths paths, ClusterPlan plan, int silos, int repeat, string directory, string[] extraSiloArgs, TextWriter log)
{
    /// <summary>Counters reach the stats grain about once a second: read them this long after a window edge.</summary>
    private static readonly TimeSpan CounterLag = TimeSpan.FromSeconds(1.5);

    public async Task<ClusterResult> ExecuteAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var loadAverage = LoadAverage();
        await log.WriteLineAsync($"── {silos} silo(s), run {repeat}: load average {loadAverage}").ConfigureAwait(false);
        PrivatePostgres? postgres = null;
        var targets = new List<Target>();
        IClusterConnection? cluster = null;
        try
        {
            postgres = await PrivatePostgres.StartAsync(paths.RepoRoot, Path.Combine(directory, "pg"), Target.FreePort(), ct).ConfigureAwait(false);
            var cs = postgres.ConnectionString(plan.PoolSize);
            await log.WriteLineAsync($"   PostgreSQL pid {postgres.Pid} on 127.0.0.1:{postgres.Port}; osr-admin db migrate").ConfigureAwait(false);
            await MigrateAsync(cs, ct).ConfigureAwait(false);
            for (var i = 0; i < silos; i++)
            {
                string[] siloArgs =
                [
                    "--Osr:Cluster:Mode=AdoNet", $"--Osr:Cluster:ConnectionString={cs}",
                    "--Osr:Storage:Mode=AdoNet", $"--Osr:Storage:ConnectionString={cs}",
                    "--Osr:Decisions:MinInterval=00:00:01",
                    $"--Osr:Data:Path={Path.Combine(directory, $"silo-{i}", "data")}",
                    $"--Osr:Models:Path={Path.Combine(directory, $"silo-{i}", "models")}",
                    .. extraSiloArgs,
                ];
                var context = new RunContext(paths, new Dictionary<string, string>(), new Dictionary<string, string>(), false, false, false, siloArgs);
                targets.Add(await Target.StartAsync(TargetKind.Grains, context, ct).ConfigureAwait(false));
                await log.WriteLineAsync($"   silo {i}: pid {targets[^1].Pid}, MQTT {targets[^1].MqttPort}, gateway {targets[^1].Gateway}").ConfigureAwait(false);
            }

            var gateways = string.Join(',', targets.Select(t => t.Gateway));
            var brokers = string.Join(',', targets.Select(t => $"127.0.0.1:{t.MqttPort}"));
            cluster = await new OrleansClusterConnectionFactory().ConnectAsync(
                new ClusterTarget(ClusterMode.Static, targets[0].GatewayPort, new EndpointParser.HostPort("127.0.0.1", targets[0].GatewayPort), null)
                {
                    Gateways = [.. targets.Select(t => new EndpointParser.HostPort("127.0.0.1", t.GatewayPort))],
                }, verbose: false, ct).ConfigureAwait(false);

            var provisioning = new Provisioning(paths, gateways, directory, null, log);
            var (probeFile, _) = await provisioning.RunAsync(plan.Probes, 0,
                [.. Enumerable.Range(0, plan.Users).Select(i => Provisioning.LoadUser(ClusterPlan.LoadPrefix, i))], ct).ConfigureAwait(false);

            var window = await MeasureAsync(targets, postgres, cluster.Grains, gateways, brokers, probeFile, ct).ConfigureAwait(false);
            var saturation = new List<SaturationStep>();
            foreach (var rate in plan.Saturation)
            {
                var step = await SaturationAsync(targets, postgres, gateways, brokers, rate, ct).ConfigureAwait(false);
                saturation.Add(step);
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"   saturation {rate:0}/s: achieved {step.Load?.AchievedRate:0}, PUBACK p50 {step.Load?.LatencyMs.P50:0.0} ms, p99 {step.Load?.LatencyMs.P99:0.0} ms{(step.Error is null ? "" : " — " + step.Error)}"))
                    .ConfigureAwait(false);
            }

            return window with { LoadAverage = loadAverage, Saturation = saturation };
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or CliFailureException or OrleansException)
        {
            var tails = string.Join('\n', targets.Where(t => t.HasExited).Select(t => $"silo pid {t.Pid} exited:\n{t.Tail()}"));
            return new ClusterResult(silos, repeat, loadAverage, 0, null, null, null, [], 0, 0, 0, 0, null, null, [], ex.Message + (tails.Length > 0 ? "\n" + tails : ""));
        }
        finally
        {
            if (cluster is not null) await cluster.DisposeAsync().ConfigureAwait(false);
            for (var i = targets.Count - 1; i >= 0; i--) await targets[i].DisposeAsync().ConfigureAwait(false);
            if (postgres is not null) await postgres.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task MigrateAsync(string connectionString, CancellationToken ct)
    {
        await using var migrate = ChildProcess.StartDotnet("osr-admin db migrate", paths.AdminDll, ["db", "migrate", "--connection", connectionString]);
        if (!await migrate.WaitForExitAsync(TimeSpan.FromMinutes(2), ct).ConfigureAwait(false))
            throw new InvalidOperationException("osr-admin db migrate did not finish within 2 minutes (killed)");
        if (migrate.ExitCode != 0) throw new InvalidOperationException($"osr-admin db migrate exited with {migrate.ExitCode}:\n{migrate.Tail()}");
    }

    /// <summary>The fixed load over every broker, the probes over every broker, and the window the probes report.</summary>
    private async Task<ClusterResult> MeasureAsync(List<Target> targets, PrivatePostgres postgres, IGrainFactory grains, string gateways, string brokers,
        string probeFile, CancellationToken ct)
    {
        var runFor = plan.ProbeWarmup + plan.Window + TimeSpan.FromSeconds(20);
        await using var load = await StartLoadAsync(gateways, brokers, plan.Rate, plan.LoadWarmup, runFor, ct).ConfigureAwait(false);
        await Task.Delay(plan.LoadWarmup, ct).ConfigureAwait(false);

        await log.WriteLineAsync($"   probes: {plan.Probes} over {brokers}, {plan.Hz} readings/s each, window {plan.Window.TotalSeconds:0} s").ConfigureAwait(false);
        await using var probes = ProbeLoad.Start(paths, brokers, probeFile, plan.Hz, plan.HalfPeriod, plan.ProbeWarmup, plan.Window, log);
        var open = probes.WaitForLineAsync(l => l == "window open", TimeSpan.FromMinutes(5), ct);
        var closed = probes.WaitForLineAsync(l => l == "window closed", TimeSpan.FromMinutes(5) + plan.Window, ct);
        await open.ConfigureAwait(false);
        foreach (var t in targets) t.Monitor?.BeginWindow();
        var counts0 = DelayedCountsAsync(grains);
        var cpu = CpuWindow.Start(targets, postgres, load.Pid, probes.Pid);
        var pg0 = await postgres.SampleAsync().ConfigureAwait(false);
        await closed.ConfigureAwait(false);
        var sample = cpu.End();
        var pg1 = await postgres.SampleAsync().ConfigureAwait(false);
        var gc = targets.Select(t => t.Monitor?.EndWindow()).Where(g => g is not null).Select(g => g!.PauseMaxMs).DefaultIfEmpty().Max();
        var decisions = DecisionCounts.Delta(await counts0.ConfigureAwait(false), await DelayedCountsAsync(grains).ConfigureAwait(false));

        var (probe, error) = await ProbeLoad.FinishAsync(probes, ct).ConfigureAwait(false);
        if (!await load.WaitForExitAsync(TimeSpan.FromSeconds(120), ct).ConfigureAwait(false)) error ??= "load generator did not finish (killed)";
        else if (load.ExitCode != 0) error ??= $"load generator exited with {load.ExitCode}:\n{load.Tail()}";
        var summary = ChildProcess.ParseLastJson(load.Stdout, AdminJsonContext.Default.SimulationJson);
        return new ClusterResult(silos, repeat, "", sample.Seconds, probe, summary, decisions, sample.SiloCores, sample.PostgresCores, sample.LoadCores,
            sample.ProbeCores, sample.OtherCores, gc, PostgresSample.Rates(pg0, pg1, sample.Seconds), [], error);
    }

    private async Task<SaturationStep> SaturationAsync(List<Target> targets, PrivatePostgres postgres, string gateways, string brokers, double rate,
        CancellationToken ct)
    {
        var warmup = TimeSpan.FromSeconds(10);
        await using var load = await StartLoadAsync(gateways, brokers, rate, warmup, plan.SaturationStep, ct).ConfigureAwait(false);
        await Task.Delay(warmup, ct).ConfigureAwait(false);
        var cpu = CpuWindow.Start(targets, postgres, load.Pid, null);
        await Task.Delay(plan.SaturationStep, ct).ConfigureAwait(false);   // the generator's measured window (not its disconnects)
        var sample = cpu.End();
        string? error = null;
        if (!await load.WaitForExitAsync(TimeSpan.FromSeconds(120), ct).ConfigureAwait(false)) error = "load generator did not finish (killed)";
        else if (load.ExitCode != 0) error = $"load generator exited with {load.ExitCode}";
        return new SaturationStep(rate, ChildProcess.ParseLastJson(load.Stdout, AdminJsonContext.Default.SimulationJson), sample.SiloCores.Sum(),
            sample.PostgresCores, error);
    }

    /// <summary>Starts <c>osr-admin simulate</c> over every broker and waits until it publishes.</summary>
    private async Task<ChildProcess> StartLoadAsync(string gateways, string brokers, double rate, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var args = ScenarioRunner.SimulateArgs(plan.Users, rate, ClusterPlan.LoadPrefix, brokers, warmup, duration);
        args.AddRange(["--gateway", gateways, "--no-catalog"]);
        await log.WriteLineAsync($"   load: osr-admin {string.Join(' ', args)}").ConfigureAwait(false);
        var load = ChildProcess.StartDotnet("load generator", paths.AdminDll, args, captureStdout: true);
        try
        {
            await load.WaitForLineAsync(l => l.StartsWith("publishing ", StringComparison.Ordinal), TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
        }
        catch
        {
            await load.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return load;
    }

    private static async Task<DecisionCounts?> DelayedCountsAsync(IGrainFactory grains)
    {
        await Task.Delay(CounterLag).ConfigureAwait(false);
        return await DecisionCounts.ReadAsync(grains).ConfigureAwait(false);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>CPU (in cores) over one window of every silo, PostgreSQL, the load generator, the probes and the rest of the machine.</summary>
    private sealed class CpuWindow
    {
        private readonly List<Target> _targets;
        private readonly PrivatePostgres _postgres;
        private readonly int _load;
        private readonly int? _probes;
        private readonly TimeSpan[] _silo0;
        private readonly TimeSpan _postgres0, _load0, _probes0;
        private readonly double _machine0;
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        private CpuWindow(List<Target> targets, PrivatePostgres postgres, int load, int? probes)
        {
            _targets = targets;
            _postgres = postgres;
            _load = load;
            _probes = probes;
            _silo0 = [.. targets.Select(t => ProcStats.CpuTime(t.Pid))];
            _postgres0 = postgres.CpuTime();
            _load0 = ProcStats.CpuTime(load);
            _probes0 = probes is { } p ? ProcStats.CpuTime(p) : TimeSpan.Zero;
            _machine0 = ProcStats.MachineBusySeconds();
        }

        public static CpuWindow Start(List<Target> targets, PrivatePostgres postgres, int load, int? probes) => new(targets, postgres, load, probes);

        public Sample End()
        {
            var seconds = _clock.Elapsed.TotalSeconds;
            double[] silos = [.. _targets.Select((t, i) => (ProcStats.CpuTime(t.Pid) - _silo0[i]).TotalSeconds / seconds)];
            var postgres = (_postgres.CpuTime() - _postgres0).TotalSeconds / seconds;
            var load = (ProcStats.CpuTime(_load) - _load0).TotalSeconds / seconds;
            var probes = _probes is { } p ? (ProcStats.CpuTime(p) - _probes0).TotalSeconds / seconds : 0;
            var other = (ProcStats.MachineBusySeconds() - _machine0) / seconds - silos.Sum() - postgres - load - probes;
            return new Sample(seconds, silos, postgres, load, probes, Math.Max(0, other));
        }
    }

    private sealed record Sample(double Seconds, double[] SiloCores, double PostgresCores, double LoadCores, double ProbeCores, double OtherCores);
}

/// <summary>Markdown tables of a cluster run.</summary>
internal static class ClusterReport
{
    public static string OneLine(ClusterResult r)
    {
        if (r.Error is not null && r.Probe is null) return F($"{r.Silos} silo(s): ERROR {r.Error}");
        var p = r.Probe;
        return F($"{r.Silos} silo(s): load {r.Load?.AchievedRate:0} r/s (PUBACK p50 {r.Load?.LatencyMs.P50:0.0} / p99 {r.Load?.LatencyMs.P99:0.0} ms); ") +
            F($"decision latency n {p?.Count}, p50 {p?.P50Ms:0.0} ms, p99 {p?.P99Ms:0.0} ms; silos {r.SiloCores.Sum():0.00} cores, PostgreSQL {r.PostgresCores:0.00}, ") +
            F($"other {r.OtherCores:0.00}{(r.Error is null ? "" : " — ERROR: " + r.Error)}");
    }

    public static string Render(IReadOnlyList<ClusterResult> results, ClusterPlan plan, string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine(F($"### {title}"));
        sb.AppendLine();
        sb.AppendLine(F($"Load: `osr-admin simulate --users {plan.Users} --rate {plan.Rate:0}` over every silo's broker (PUBACK latency from the intended send time). ") +
            F($"Decision latency: {plan.Probes} probes spread over the brokers, {plan.Hz:0.##} readings/s each, rest/effort every {plan.HalfPeriod.TotalSeconds:0.#} s, ") +
            F($"reading publish → notification arrival; window {plan.Window.TotalSeconds:0} s. CPU in cores over the window."));
        sb.AppendLine();
        sb.AppendLine("| silos | run | load avg at start | readings/s achieved / target | PUBACK p50 / p99 ms | accepted readings/s (counters) | decisions/s (sent / suppressed; sent to probes) | notifications | decision latency p50 / p90 / p99 / max ms | its reading's PUBACK p50 / p99 ms | silo CPU (each) | PostgreSQL CPU | load gen / probes / other CPU | longest silo GC pause ms |");
        sb.AppendLine("|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in results)
        {
            var p = r.Probe;
            var l = r.Load;
            var d = r.Decisions;
            var w = r.WindowSeconds > 0 ? r.WindowSeconds : double.NaN;
            sb.AppendLine(F($"| {r.Silos} | {r.Repeat} | {r.LoadAverage} | {D(l?.AchievedRate)} / {D(l?.TargetRate)} | {D(l?.LatencyMs.P50)} / {D(l?.LatencyMs.P99)} | ") +
                F($"{D(d is null ? null : d.ReadingsAccepted / w)} | {D(d is null ? null : d.Total / w)} ({D(d is null ? null : d.Sent / w)} / {D(d is null ? null : d.Suppressed.Values.Sum() / w)}; to probes {D(d is null ? null : d.SegmentSent / w)}) | ") +
                F($"{p?.Count} | {D(p?.P50Ms)} / {D(p?.P90Ms)} / {D(p?.P99Ms)} / {D(p?.MaxMs)} | {D(p?.PubackP50Ms)} / {D(p?.PubackP99Ms)} | ") +
                F($"{r.SiloCores.Sum():0.00} ({string.Join(", ", r.SiloCores.Select(c => c.ToString("0.00", CultureInfo.InvariantCulture)))}) | {r.PostgresCores:0.00} | ") +
                F($"{r.LoadCores:0.00} / {r.ProbeCores:0.00} / {r.OtherCores:0.00} | {D(r.LongestGcPauseMs)} |{(r.Error is null ? "" : " ERROR: " + r.Error.Split('\n')[0])}"));
        }

        var written = results.Where(r => r.Postgres is not null).ToList();
        if (written.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("What PostgreSQL wrote in the window, per second (rows from `pg_stat_user_tables`, WAL from `pg_current_wal_lsn()`):");
            sb.AppendLine();
            sb.AppendLine("| silos | run | WAL MB/s | WAL bytes per accepted reading | rows inserted / updated per s, by table |");
            sb.AppendLine("|--:|--:|--:|--:|---|");
            foreach (var r in written)
            {
                var pg = r.Postgres!;
                var perReading = r.Decisions is { ReadingsAccepted: > 0 } d ? pg.WalBytesPerSecond * r.WindowSeconds / d.ReadingsAccepted : double.NaN;
                var tables = string.Join("; ", pg.Tables.OrderByDescending(t => t.Value.Inserted + t.Value.Updated)
                    .Select(t => F($"{t.Key} {t.Value.Inserted:0} / {t.Value.Updated:0}")));
                sb.AppendLine(F($"| {r.Silos} | {r.Repeat} | {pg.WalBytesPerSecond / 1e6:0.00} | {D(perReading)} | {tables} |"));
            }
        }

        var ladder = results.Where(r => r.Saturation.Count > 0).ToList();
        if (ladder.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(F($"Saturation: the load alone at each offered rate, {plan.SaturationStep.TotalSeconds:0} s after a 10 s warm-up."));
            sb.AppendLine();
            sb.AppendLine("| silos | run | offered r/s | achieved r/s | PUBACK p50 / p99 ms | silo CPU (sum) | PostgreSQL CPU |");
            sb.AppendLine("|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var r in ladder)
            foreach (var s in r.Saturation)
                sb.AppendLine(F($"| {r.Silos} | {r.Repeat} | {s.Offered:0} | {D(s.Load?.AchievedRate)} | {D(s.Load?.LatencyMs.P50)} / {D(s.Load?.LatencyMs.P99)} | {s.SiloCores:0.00} | {s.PostgresCores:0.00} |{(s.Error is null ? "" : " ERROR: " + s.Error)}"));
        }

        foreach (var r in results.Where(r => r.Decisions is { Suppressed.Count: > 0 }))
            sb.AppendLine().Append(F($"{r.Silos} silo(s), run {r.Repeat}: suppressed in the window by rule: ")).AppendLine(
                string.Join(", ", r.Decisions!.Suppressed.OrderByDescending(kv => kv.Value).Select(kv => F($"{kv.Key} {kv.Value}"))));

        return sb.ToString();
    }

    private static string D(double? v) => v is { } x && double.IsFinite(x) ? x.ToString(x >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture) : "–";

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
