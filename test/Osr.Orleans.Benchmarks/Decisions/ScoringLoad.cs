using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Osr.Orleans.Benchmarks.Ingest;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>
/// <c>decisions scoring-load --gateway HOST:PORT --devices FILE [--concurrency 32] [--warmup 10s] [--score-window 30s] [--ingest-window 20s]</c>
/// (a child process of <c>decisions</c>): the scoring + throttle path without MQTT. FILE lists <c>deviceId,userId,…</c>
/// (registered devices, one per user). As an Orleans client, <c>concurrency</c> workers run a closed loop over the users
/// (each user belongs to one worker, so a user never has two calls in flight):
/// <list type="number">
/// <item>warm-up: <see cref="IDeviceGrain.IngestAsync"/> of one reading, then <see cref="IUserStateGrain.ScoreAsync"/>;</item>
/// <item>score window (closed loop): the reading, then <see cref="IUserStateGrain.ScoreAsync"/> — one full scoring pass (ALS
/// candidates, propensity, OSR) and one throttle decision (rules, decision log, state write, push when sent);</item>
/// <item>ingest window: the reading only, paced (open loop) at the score window's rate, so the silo's CPU for the readings
/// alone can be subtracted.</item>
/// </list>
/// Every reading is a resting reading (hr 60, still) with a new ts, so the state never changes meaningfully and the grain
/// queues no pass of its own: each decision is one explicit <c>ScoreAsync</c>, and its new state time gives it a new
/// decision id (the throttle would return a stored decision for a state it already decided). The driver samples the
/// silo's CPU between the <c>window … open/closed</c> lines on stderr. Writes <see cref="ScoringResult"/> as JSON on stdout.
/// </summary>
internal static class ScoringLoad
{
    /// <summary>Pause between windows, longer than the silo's counter reporting period (about a second).</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args)
    {
        var a = Args.Parse(args);
        if (!EndpointParser.TryParse(a.Get("--gateway"), out var gateway, out var error))
        {
            await Console.Error.WriteLineAsync($"--gateway: {error}").ConfigureAwait(false);
            return 2;
        }

        var file = a.Get("--devices") ?? throw new FormatException("--devices FILE is required");
        var concurrency = a.GetInt("--concurrency", 32);
        var warmup = a.GetDuration("--warmup", TimeSpan.FromSeconds(10));
        var ingestWindow = a.GetDuration("--ingest-window", TimeSpan.FromSeconds(20));
        var scoreWindow = a.GetDuration("--score-window", TimeSpan.FromSeconds(30));
        var log = Console.Error;
        var users = (await File.ReadAllLinesAsync(file).ConfigureAwait(false))
            .Where(l => l.Length > 0 && !l.StartsWith("deviceId", StringComparison.Ordinal))
            .Select(l => l.Split(','))
            .Select(p => new User(p[0], p[1]))
            .ToArray();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        await using var cluster = await new OrleansClusterConnectionFactory()
            .ConnectAsync(new ClusterTarget(ClusterMode.Static, gateway.Port, gateway, null), verbose: false, stop.Token).ConfigureAwait(false);
        var seq0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var u in users)
        {
            u.State = cluster.Grains.GetGrain<IUserStateGrain>(u.UserId);
            u.Seq = seq0;
        }

        await log.WriteLineAsync($"scoring load: {users.Length} users, {concurrency} workers").ConfigureAwait(false);
        var warm = await PhaseAsync(users, concurrency, score: true, warmup, null, stop.Token).ConfigureAwait(false);
        await log.WriteLineAsync($"warm-up: {warm.Calls} passes, {warm.Errors} errors").ConfigureAwait(false);
        await Task.Delay(Idle, stop.Token).ConfigureAwait(false);   // the silo reports its counters: the driver reads them settled

        await log.WriteLineAsync("window score open").ConfigureAwait(false);
        var scored = await PhaseAsync(users, concurrency, score: true, scoreWindow, null, stop.Token).ConfigureAwait(false);
        await log.WriteLineAsync("window score closed").ConfigureAwait(false);
        await Task.Delay(Idle, stop.Token).ConfigureAwait(false);

        // The same readings per second as the score window, without the passes: the silo's CPU for the readings alone.
        var rate = scored.Calls / scored.Seconds;
        await log.WriteLineAsync("window ingest open").ConfigureAwait(false);
        var ingest = await PhaseAsync(users, concurrency, score: false, ingestWindow, rate, stop.Token).ConfigureAwait(false);
        await log.WriteLineAsync("window ingest closed").ConfigureAwait(false);

        var result = new ScoringResult(users.Length, concurrency,
            ingest.Seconds, ingest.Calls, ingest.Errors, ingest.Calls / ingest.Seconds, ingest.IngestP50, ingest.IngestP99,
            scored.Seconds, scored.Calls, scored.Errors, scored.Decisions, scored.Decisions / scored.Seconds, scored.IngestP50, scored.IngestP99,
            scored.ScoreP50, scored.ScoreP90, scored.ScoreP99, scored.ScoreMax, scored.Outcomes, scored.FirstErrors);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"ingest only: {result.IngestRate:0} readings/s; ingest + score: {result.DecisionRate:0} decisions/s, ScoreAsync p50 {result.ScoreP50Ms:0.00} ms p99 {result.ScoreP99Ms:0.00} ms; outcomes {string.Join(", ", result.Outcomes.Select(kv => $"{kv.Key} {kv.Value}"))}")).ConfigureAwait(false);
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(result, DecisionsJsonContext.Default.ScoringResult)).ConfigureAwait(false);
        return 0;
    }

    /// <param name="rate">Readings per second over all workers (open loop), or null for a closed loop (as fast as the calls return).</param>
    private static async Task<PhaseResult> PhaseAsync(User[] users, int concurrency, bool score, TimeSpan length, double? rate, CancellationToken ct)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        window.CancelAfter(length);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, Math.Min(concurrency, users.Length)).Select(w => Task.Run(async () =>
        {
            var mine = users.Where((_, i) => i % concurrency == w).ToArray();
            var stats = new WorkerStats();
            var n = Math.Min(concurrency, users.Length);
            for (var k = 0; !window.IsCancellationRequested; k++)
            {
                if (rate is { } r)
                {
                    var due = started + (long)(k * n / r * Stopwatch.Frequency);
                    var wait = due - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), window.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                }

                var u = mine[k % mine.Length];
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    var ingest = await u.State!.IngestAsync(u.DeviceId, [u.NextReading()]).ConfigureAwait(false);
                    var t1 = Stopwatch.GetTimestamp();
                    stats.Ingest.Add(Ms(t0, t1));
                    if (ingest.Refused != RejectReason.None) throw new InvalidOperationException("reading refused: " + ingest.Refused.Code());
                    if (score)
                    {
                        var decision = await u.State!.ScoreAsync().ConfigureAwait(false);
                        stats.Score.Add(Ms(t1, Stopwatch.GetTimestamp()));
                        if (decision is not null)
                        {
                            stats.Decisions++;
                            var key = decision.Outcome + (decision.Reason.Length > 0 ? "." + decision.Reason : "");
                            stats.Outcomes[key] = stats.Outcomes.GetValueOrDefault(key) + 1;
                        }
                        else
                        {
                            stats.Outcomes["null"] = stats.Outcomes.GetValueOrDefault("null") + 1;
                        }
                    }

                    stats.Calls++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    stats.Errors++;
                    if (stats.FirstErrors.Count < 3) stats.FirstErrors.Add(ex.GetBaseException().GetType().Name + ": " + ex.GetBaseException().Message);
                }
            }

            return stats;
        }, CancellationToken.None)).ToArray();
        var all = await Task.WhenAll(workers).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var ingestMs = all.SelectMany(s => s.Ingest).Order().ToArray();
        var scoreMs = all.SelectMany(s => s.Score).Order().ToArray();
        var outcomes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in all)
            foreach (var (k, v) in s.Outcomes) outcomes[k] = outcomes.GetValueOrDefault(k) + v;
        return new PhaseResult(seconds, all.Sum(s => s.Calls), all.Sum(s => s.Errors), all.Sum(s => s.Decisions),
            ProbeLoad.Pct(ingestMs, 50), ProbeLoad.Pct(ingestMs, 99), ProbeLoad.Pct(scoreMs, 50), ProbeLoad.Pct(scoreMs, 90), ProbeLoad.Pct(scoreMs, 99),
            scoreMs.Length > 0 ? scoreMs[^1] : null, outcomes, [.. all.SelectMany(s => s.FirstErrors).Take(5)]);
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private sealed class User(string deviceId, string userId)
    {
        private long _lastTs;

        public string DeviceId { get; } = deviceId;
        public string UserId { get; } = userId;
        public IUserStateGrain? State { get; set; }
        public long Seq { get; set; }

        /// <summary>A resting reading (hr 60 ± 1, still) at the wall clock in whole milliseconds, strictly after the previous one.</summary>
        public Reading NextReading()
        {
            var now = DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond;
            _lastTs = Math.Max(now, _lastTs + TimeSpan.TicksPerMillisecond);
            Seq++;
            return new Reading(Seq, _lastTs, 60 + (Seq % 3) - 1, 0, 0, 0.1, double.NaN, double.NaN);
        }
    }

    private sealed class WorkerStats
    {
        public List<double> Ingest { get; } = [];
        public List<double> Score { get; } = [];
        public Dictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);
        public List<string> FirstErrors { get; } = [];
        public long Calls { get; set; }
        public long Errors { get; set; }
        public long Decisions { get; set; }
    }

    private sealed record PhaseResult(double Seconds, long Calls, long Errors, long Decisions, double? IngestP50, double? IngestP99,
        double? ScoreP50, double? ScoreP90, double? ScoreP99, double? ScoreMax, Dictionary<string, long> Outcomes, List<string> FirstErrors);
}

/// <summary>What the scoring load measured on the client side (rates per second of its windows; latencies in ms).</summary>
internal sealed record ScoringResult(
    int Users,
    int Concurrency,
    double IngestSeconds,
    long IngestCalls,
    long IngestErrors,
    double IngestRate,
    double? IngestOnlyP50Ms,
    double? IngestOnlyP99Ms,
    double ScoreSeconds,
    long ScoreIterations,
    long ScoreErrors,
    long Decisions,
    double DecisionRate,
    double? IngestP50Ms,
    double? IngestP99Ms,
    double? ScoreP50Ms,
    double? ScoreP90Ms,
    double? ScoreP99Ms,
    double? ScoreMaxMs,
    Dictionary<string, long> Outcomes,
    List<string> FirstErrors);
