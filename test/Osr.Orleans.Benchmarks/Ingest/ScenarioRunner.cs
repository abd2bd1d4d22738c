using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Client.Simulation;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>One load level: how many devices, the aggregate offered rate, readings per message, warm-up and measured window.</summary>
/// <param name="Group">Scenarios of one group share one target process (same devices, same baseline).</param>
/// <param name="Kind">What the row is for: <c>steady</c>, <c>sweep</c> (saturation search), <c>batch</c>, <c>direct</c>.</param>
/// <param name="LiveHeap">After the load (direct mode): induce a full GC, read the live heap and walk it by type.</param>
internal sealed record Scenario(string Group, string Kind, int Devices, double Rate, int Batch, TimeSpan Warmup, TimeSpan Duration, bool LiveHeap = false)
{
    public string Name => Kind == "direct"
        ? $"{Devices / 1000.0:0.#}k users direct @ {Rate / 1000.0:0.#}k/s"
        : $"{Devices / 1000.0:0.#}k dev @ {Rate / 1000.0:0.#}k/s{(Batch > 1 ? $" batch {Batch}" : "")}";
}

/// <summary>
/// What every scenario of a run shares: the built programs, extra environment of the target and the load generator, output options;
/// <paramref name="SamplesOut"/>: the load generator writes every latency of the measured window there (one MQTT run only).
/// </summary>
internal sealed record RunContext(Paths Paths, IReadOnlyDictionary<string, string> TargetEnvironment,
    IReadOnlyDictionary<string, string> LoadEnvironment, bool Verbose, bool GcLog, bool AllocationTypes, IReadOnlyList<string> SiloArgs, int Flood = 0, TimeSpan? FloodInterval = null,
    string? SamplesOut = null, TimeSpan? FloodPhase = null);

/// <summary>Memory of the target right after start-up, before any device (the baseline of "per user" numbers).</summary>
internal sealed record Baseline(long RssBytes, long? HeapBytes);

/// <summary>
/// The silo's live heap (heap after an induced full GC) and RSS once the load ended with every user still
/// active, and what the heap holds by type (ClrMD).
/// </summary>
internal sealed record LiveHeap(long HeapBytes, long RssBytes, int? ActiveUsers, IReadOnlyList<(string Type, long Count, long Bytes)> Types);

/// <summary>Everything measured for one scenario against one target.</summary>
internal sealed record ScenarioResult(
    Scenario Scenario,
    TargetKind Target,
    int Users,
    int Devices,
    SimulationJson? Load,
    double? ServiceP50,
    double? ServiceP99,
    double? ServiceP999,
    double SetupSeconds,
    double TargetCores,
    double LoadCores,
    Baseline Baseline,
    long RssLoad,
    long? HeapLoad,
    long? HeapAfterRegistration,
    long? RssAfterRegistration,
    int? ActiveUsers,
    int? ActiveDevices,
    int? MqttConnections,
    double? SiloAcceptedRate,
    IReadOnlyList<(string Name, int Threads, double Cores)> TargetThreads,
    ProcessDiagnostics? TargetDiagnostics,
    ProcessDiagnostics? LoadDiagnostics,
    LiveHeap? LiveAfterLoad,
    string? Error)
{
    public double Offered => Scenario.Rate;
    public double Achieved => Load?.AchievedRate ?? 0;
    public double? P50 => Load?.LatencyMs.P50;
    public double? P99 => Load?.LatencyMs.P99;
    public double? P999 => Load?.LatencyMs.P999;
    public double? Max => Load?.LatencyMs.Max;

    /// <summary>Sustained: at least 98 % of the offered rate achieved, nothing refused or failed, p99 ≤ 100 ms.</summary>
    public bool Sustained => Error is null && Load is { } l && l.AchievedRate >= 0.98 * Offered && l.Refused.Count == 0 && l.Failed == 0
        && l.LatencyMs.P99 is { } p99 && p99 <= 100;
}

/// <summary>Runs one scenario against a started <see cref="Target"/> and samples both processes while it runs.</summary>
internal static partial class ScenarioRunner
{
    private static readonly string[] ExtraLoopbacks = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];

    /// <summary>Users to simulate so that the plan has at least <paramref name="devices"/> devices (each user has a watch, about half a phone).</summary>
    public static int UsersForDevices(int devices, ulong seed = 1)
    {
        var n = 0;
        var users = 0;
        while (n < devices)
        {
            n += UserTraits.Generate(seed, users).HasPhone ? 2 : 1;
            users++;
        }

        return users;
    }

    public static int DevicesOf(int users, ulong seed = 1)
    {
        var n = 0;
        for (var i = 0; i < users; i++) n += UserTraits.Generate(seed, i).HasPhone ? 2 : 1;
        return n;
    }

    /// <summary>
    /// The arguments of <c>osr-admin simulate</c> as every load test runs it: <paramref name="users"/> simulated users at
    /// <paramref name="rate"/> readings/s over <paramref name="brokers"/> (HOST:PORT[,…]), latency from the intended send time,
    /// 200 connections opened at once, the summary as JSON; the caller adds the cluster options.
    /// </summary>
    public static List<string> SimulateArgs(int users, double rate, string prefix, string brokers, TimeSpan warmup, TimeSpan duration) =>
    [
        "simulate", "--users", I(users), "--rate", I(rate), "--prefix", prefix, "--mqtt", brokers,
        "--warmup", DurationParser.Format(warmup), "--duration", DurationParser.Format(duration),
        "--latency-from", "intended", "--connect-concurrency", "200", "--json",
    ];

    /// <summary>Runs <c>osr-admin simulate</c> against the target (provisioning through the silo, or <c>--no-provision</c> for the bare broker).</summary>
    public static Task<ScenarioResult> RunMqttAsync(Target target, Baseline baseline, Scenario s, RunContext run, string prefix, CancellationToken ct)
    {
        var users = UsersForDevices(s.Devices);
        var args = SimulateArgs(users, s.Rate, prefix, $"127.0.0.1:{target.MqttPort}", s.Warmup, s.Duration);
        args.AddRange(["--batch", I(s.Batch)]);
        if (run.SamplesOut is { } samples) args.AddRange(["--latency-samples", Path.GetFullPath(samples)]);
        if (s.Devices > 5000) args.AddRange(["--local-addresses", string.Join(',', ExtraLoopbacks)]);
        // The ingest benchmark measures the live path only: no demo catalogue, no ALS model, so no scoring passes.
        if (target.Kind == TargetKind.Grains) args.AddRange(["--gateway", target.Gateway, "--no-catalog", "--no-feedback"]);
        else args.Add("--no-provision");
        return RunLoadAsync(target, baseline, s, users, DevicesOf(users), run.Paths.AdminDll, args, run, ct);
    }

    /// <summary>Runs <c>ingest grains-direct-load</c> (Orleans client, no MQTT) against the silo.</summary>
    public static Task<ScenarioResult> RunDirectAsync(Target target, Baseline baseline, Scenario s, RunContext run, CancellationToken ct)
    {
        var args = new List<string>
        {
            "ingest", "grains-direct-load", "--gateway", target.Gateway, "--users", I(s.Devices), "--rate", I(s.Rate),
            "--warmup", DurationParser.Format(s.Warmup), "--duration", DurationParser.Format(s.Duration),
        };
        return RunLoadAsync(target, baseline, s, s.Devices, s.Devices, run.Paths.BenchmarkDll, args, run, ct);
    }

    private static async Task<ScenarioResult> RunLoadAsync(Target target, Baseline baseline, Scenario s, int users, int devices, string dll,
        List<string> args, RunContext run, CancellationToken ct)
    {
        var log = Console.Error;
        await log.WriteLineAsync($"── {s.Name} → {(target.Kind == TargetKind.Grains ? "silo (grains)" : "bare broker")}: {users} users, {devices} devices").ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        long? heapAfterRegistration = null;
        long? rssAfterRegistration = null;
        await using var load = ChildProcess.StartDotnet("load generator", dll, args, captureStdout: true,
            onStderr: run.Verbose ? line => Console.Error.WriteLine("   " + line) : null, environment: run.LoadEnvironment);
        using var loadMonitor = await RuntimeMonitor.TryStartAsync("load", load.Pid, run.GcLog ? Console.Error : null).ConfigureAwait(false);
        string? error = null;
        double targetCores = 0, loadCores = 0;
        long rssLoad = 0;
        SiloSample? end = null;
        double? acceptedRate = null;
        IReadOnlyList<(string, int, double)> threads = [];
        ProcessDiagnostics? targetDiagnostics = null, loadDiagnostics = null;
        double setup = 0;
        try
        {
            if (s.Kind == "direct")
            {
                await load.WaitForLineAsync(l => l.StartsWith("registered ", StringComparison.Ordinal), TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
                await HeapInspector.ForceFullGcAsync(target.Pid).ConfigureAwait(false);   // the load pauses after registering
                var registered = await target.FreshSampleAsync().ConfigureAwait(false);
                heapAfterRegistration = registered?.Gauges?.HeapBytes;
                rssAfterRegistration = ProcStats.RssBytes(target.Pid);
            }

            await load.WaitForLineAsync(l => l.StartsWith("publishing ", StringComparison.Ordinal), TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
            setup = clock.Elapsed.TotalSeconds;
            var t0 = clock.Elapsed;
            await Task.Delay(s.Warmup, ct).ConfigureAwait(false);

            var startSample = await target.SampleAsync().ConfigureAwait(false);
            var w0 = clock.Elapsed;
            var targetCpu0 = ProcStats.CpuTime(target.Pid);
            var loadCpu0 = ProcStats.CpuTime(load.Pid);
            var threads0 = ProcStats.ThreadCpu(target.Pid);
            target.Monitor?.BeginWindow();
            loadMonitor?.BeginWindow();

            // Sample late in the window (the load stops at t0 + warm-up + duration).
            var sampleAt = t0 + s.Warmup + s.Duration - TimeSpan.FromSeconds(Math.Min(2, s.Duration.TotalSeconds / 4));
            var wait = sampleAt - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
            var w1 = clock.Elapsed;
            var targetCpu1 = ProcStats.CpuTime(target.Pid);
            var loadCpu1 = ProcStats.CpuTime(load.Pid);
            var threads1 = ProcStats.ThreadCpu(target.Pid);
            targetDiagnostics = target.Monitor?.EndWindow();
            if (target.Monitor is { Exceptions.Count: > 0 } em)
            {
                await log.WriteLineAsync($"   target exceptions in the window: {em.Exceptions.Sum(x => x.Count)}").ConfigureAwait(false);
                foreach (var (what, count) in em.Exceptions.Take(5)) await log.WriteLineAsync($"     {count,8} × {what}").ConfigureAwait(false);
            }

            if (run.AllocationTypes && target.Monitor is { } m && targetDiagnostics is { } td)
            {
                var total = m.AllocationsByType.Sum(t => t.Bytes);
                var acked = targetDiagnostics.Seconds * s.Rate / s.Batch;   // approximately, messages in the window
                await log.WriteLineAsync($"   target allocations by type (sampled, {total / 1048576.0:0} MB in {td.Seconds:0} s; ≈ bytes per message at the offered rate):").ConfigureAwait(false);
                foreach (var (type, bytes) in m.AllocationsByType.Take(30))
                    await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"     {bytes * 100.0 / total,5:0.0} %  {bytes / acked,8:0} B/msg  {type}")).ConfigureAwait(false);
            }
            loadDiagnostics = loadMonitor?.EndWindow();
            rssLoad = ProcStats.RssBytes(target.Pid);
            end = await target.SampleAsync().ConfigureAwait(false);
            var seconds = (w1 - w0).TotalSeconds;
            targetCores = (targetCpu1 - targetCpu0).TotalSeconds / seconds;
            loadCores = (loadCpu1 - loadCpu0).TotalSeconds / seconds;
            threads = ProcStats.ThreadCpuDelta(threads0, threads1, seconds);
            if (startSample is not null && end is not null)
                acceptedRate = (end.ReadingsAccepted - startSample.ReadingsAccepted) / seconds;

            if (!await load.WaitForExitAsync(s.Warmup + s.Duration + TimeSpan.FromSeconds(90), ct).ConfigureAwait(false))
                error = "load generator did not finish (killed)";
            else if (load.ExitCode != 0)
                error = $"load generator exited with {load.ExitCode}";
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            error = ex.Message;
        }

        LiveHeap? live = null;
        if (s.LiveHeap && error is null && !target.HasExited)
        {
            // Every user is still active (idle collection takes far longer): the live heap per active user,
            // once the silo worked off any backlog.
            await WaitUntilIdleAsync(target.Pid, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            await HeapInspector.ForceFullGcAsync(target.Pid).ConfigureAwait(false);
            var after = await target.FreshSampleAsync().ConfigureAwait(false);
            var rss = ProcStats.RssBytes(target.Pid);
            await log.WriteLineAsync("   walking the silo's heap (ClrMD)…").ConfigureAwait(false);
            var types = HeapInspector.TypeBreakdown(target.Pid);
            live = new LiveHeap(after?.Gauges?.HeapBytes ?? 0, rss, after?.Gauges?.ActiveUsers, types);
        }

        SimulationJson? summary = null;
        var stdout = load.Stdout;
        var json = stdout.IndexOf('{');
        if (json >= 0)
        {
            try
            {
                summary = JsonSerializer.Deserialize(stdout[json..], AdminJsonContext.Default.SimulationJson);
            }
            catch (JsonException ex)
            {
                error ??= "unreadable summary: " + ex.Message;
            }
        }
        else
        {
            error ??= "no summary";
        }

        if (error is not null) await log.WriteLineAsync($"   FAILED: {error}\n{load.Tail()}").ConfigureAwait(false);
        var service = ParseServiceLatency(load.StderrTail());
        var result = new ScenarioResult(s, target.Kind, users, devices, summary, service.P50, service.P99, service.P999, setup,
            targetCores, loadCores, baseline, rssLoad, end?.Gauges?.HeapBytes, heapAfterRegistration, rssAfterRegistration,
            end?.Gauges?.ActiveUsers, end?.Gauges?.ActiveDevices, end?.Gauges?.MqttConnections, acceptedRate, threads, targetDiagnostics, loadDiagnostics, live, error);
        await log.WriteLineAsync("   " + Report.OneLine(result)).ConfigureAwait(false);
        return result;
    }

    /// <summary>Waits until <paramref name="pid"/> uses less than a tenth of a core over a second (at most <paramref name="timeout"/>).</summary>
    private static async Task WaitUntilIdleAsync(int pid, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var before = ProcStats.CpuTime(pid);
            await Task.Delay(1000).ConfigureAwait(false);
            if ((ProcStats.CpuTime(pid) - before).TotalSeconds < 0.1) return;
        }
    }

    /// <summary>Reads the service-time percentiles from the load generator's closing stderr line.</summary>
    internal static (double? P50, double? P99, double? P999) ParseServiceLatency(string tail)
    {
        var m = ServiceLine().Match(tail);
        if (!m.Success) return (null, null, null);
        static double D(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);
        return (D(m.Groups[1]), D(m.Groups[2]), D(m.Groups[3]));
    }

    [GeneratedRegex(@"\(service time\): p50 ([0-9.]+) ms, p99 ([0-9.]+) ms, p99\.9 ([0-9.]+) ms")]
    private static partial Regex ServiceLine();

    private static string I(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
