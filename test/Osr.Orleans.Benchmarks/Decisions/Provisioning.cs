using System.Globalization;
using System.Text;
using Osr.Orleans.Benchmarks.Ingest;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>
/// Sets a fresh silo up for the decisions benchmark through the admin console (<c>osr-admin … --gateway</c>, one child
/// process per command, each must exit 0): a catalogue of 6 categories × 10 items, a synthetic interaction history
/// for every probe, scoring and load user (so ALS knows them all), the probe and scoring users' profiles (age 30, UTC,
/// segment <see cref="Segment"/>) and watches, an ALS model trained and promoted, and rules for that segment that let
/// every pass through (threshold 0, no gaps, caps 100 000, re-eligible at once, quiet hours moved to one minute twelve
/// hours away, no exploration). The load users (the simulator's) keep the default rules. With an external broker the
/// probe and scoring devices' accounts are written into its dynamic-security file while it is stopped
/// (<c>devices import --broker-file</c>; one control command per device would take minutes), then it is started again and
/// the silo reconnects.
/// </summary>
internal sealed class Provisioning(Paths paths, string gateway, string directory, ExternalMqtt? broker, TextWriter log)
{
    public const string Segment = "bench-probe";
    public static readonly string[] Categories = ["drinks", "programs", "gear", "stretching", "recipes", "posts"];
    private const int ItemsPerCategory = 10;
    private const int InteractionsPerUser = 20;

    /// <summary>Probe users and devices: <c>bp-00000</c>, <c>bp-00000-watch</c>.</summary>
    public static string ProbeUser(int i) => $"bp-{i:D5}";

    /// <summary>Users of the scoring phase: <c>bs-00000</c>.</summary>
    public static string ScoringUser(int i) => $"bs-{i:D5}";

    /// <summary>The simulator's user ids for <c>--prefix</c> (SimulationOptions.UserId).</summary>
    public static string LoadUser(string prefix, int i) => $"{prefix}-u{i:D5}";

    /// <summary>Imports everything, trains ALS, sets the rules. Returns the files of probe and scoring devices (deviceId,userId,secret).</summary>
    public async Task<(string ProbeFile, string ScoringFile)> RunAsync(int probes, int scoringUsers, IReadOnlyList<string> loadUsers, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var probeUsers = Enumerable.Range(0, probes).Select(ProbeUser).ToArray();
        var scoring = Enumerable.Range(0, scoringUsers).Select(ScoringUser).ToArray();
        var items = Path.Combine(directory, "items.csv");
        var interactions = Path.Combine(directory, "interactions.csv");
        var users = Path.Combine(directory, "users.csv");
        var devices = Path.Combine(directory, "devices.csv");
        await File.WriteAllTextAsync(items, ItemsCsv(), ct).ConfigureAwait(false);
        var historyUsers = probeUsers.Concat(scoring).Concat(loadUsers).ToArray();
        await WriteInteractionsAsync(interactions, historyUsers, started, ct).ConfigureAwait(false);
        var own = probeUsers.Concat(scoring).ToArray();
        await File.WriteAllLinesAsync(users, ["userId,age,timezone,segment", .. own.Select(u => $"{u},30,UTC,{Segment}")], ct).ConfigureAwait(false);
        await File.WriteAllLinesAsync(devices, ["deviceId,userId,kind", .. own.Select(u => $"{u}-watch,{u},watch")], ct).ConfigureAwait(false);

        await AdminAsync(["items", "import", items], TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        await AdminAsync(["interactions", "import", interactions], TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
        await AdminAsync(["users", "import", users], TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        string[] import = broker is null ? ["devices", "import", devices] : ["devices", "import", devices, "--broker-file", broker.AccountsFile];
        if (broker is not null) await broker.StopAsync(ct).ConfigureAwait(false);
        var registered = await AdminAsync(import, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        if (broker is not null)
        {
            await broker.StartAsync(ct).ConfigureAwait(false);
            await broker.WaitForSiloAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }

        var secrets = registered.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains(',', StringComparison.Ordinal) && !l.StartsWith("deviceId", StringComparison.Ordinal))
            .Select(l => l.Split(','))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (secrets.Count != own.Length) throw new InvalidOperationException($"devices import printed {secrets.Count} secrets for {own.Length} devices");

        await AdminAsync(["model", "train", "als", "--promote-if-better"], TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
        await SetRulesAsync(started, ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);   // silos see the active model and the rules within a second

        var probeFile = Path.Combine(directory, "probes.csv");
        var scoringFile = Path.Combine(directory, "scoring.csv");
        await File.WriteAllLinesAsync(probeFile, probeUsers.Select(u => $"{u}-watch,{u},{secrets[u + "-watch"]}"), ct).ConfigureAwait(false);
        await File.WriteAllLinesAsync(scoringFile, scoring.Select(u => $"{u}-watch,{u},{secrets[u + "-watch"]}"), ct).ConfigureAwait(false);
        await log.WriteLineAsync($"provisioned in {(DateTimeOffset.UtcNow - started).TotalSeconds:0} s: {Categories.Length * ItemsPerCategory} items, " +
            $"{historyUsers.Length * InteractionsPerUser} interactions of {historyUsers.Length} users, {own.Length} devices, ALS trained, rules for segment {Segment}").ConfigureAwait(false);
        return (probeFile, scoringFile);
    }

    /// <summary>The rules of <see cref="Segment"/>: every pass of a probe user is sent.</summary>
    private async Task SetRulesAsync(DateTimeOffset now, CancellationToken ct)
    {
        var quiet = TimeOnly.FromDateTime(now.UtcDateTime).AddHours(12);
        string[][] rules =
        [
            ["osr.threshold", "0"],
            ["cap.day", "100000"],
            ["cap.week", "100000"],
            ["explore.rate", "0"],
            ["quiet.start", quiet.ToString("HH:mm", CultureInfo.InvariantCulture)],
            ["quiet.end", quiet.AddMinutes(1).ToString("HH:mm", CultureInfo.InvariantCulture)],
        ];
        foreach (var r in rules) await AdminAsync(["rules", "set", r[0], r[1], "--segment", Segment], TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
        // Zero where the rules accept it, else the smallest duration.
        foreach (var key in new[] { "gap.similar", "reeligible.after" })
        {
            var (code, _, stderr) = await TryAdminAsync(["rules", "set", key, "0s", "--segment", Segment], TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
            if (code == 0) continue;
            await log.WriteLineAsync($"rules set {key} 0s refused ({stderr.Trim()}); using 1s").ConfigureAwait(false);
            await AdminAsync(["rules", "set", key, "1s", "--segment", Segment], TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
        }
    }

    private static string ItemsCsv()
    {
        var sb = new StringBuilder("itemId,kind,category,tags\n");
        foreach (var c in Categories)
        {
            var kind = c switch { "drinks" or "gear" => "product", "programs" or "stretching" => "program", _ => "post" };
            for (var i = 1; i <= ItemsPerCategory; i++) sb.Append(CultureInfo.InvariantCulture, $"{c}-{i:D2},{kind},{c},{c};bench\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// 20 interactions per user in the 28 days before <paramref name="now"/>: 70 % in the user's favourite category
    /// (by hash), items Zipf-like within a category, actions mostly views. Deterministic.
    /// </summary>
    private static async Task WriteInteractionsAsync(string file, IEnumerable<string> users, DateTimeOffset now, CancellationToken ct)
    {
        await using var writer = new StreamWriter(file, false, new UTF8Encoding(false));
        await writer.WriteLineAsync("userId,itemId,action,ts").ConfigureAwait(false);
        var from = now.AddDays(-28);
        string[] actions = ["view", "view", "view", "like", "purchase", "train"];
        foreach (var user in users)
        {
            var h = Hash(user);
            var favourite = (int)(h % (ulong)Categories.Length);
            for (var k = 0; k < InteractionsPerUser; k++)
            {
                var hk = Mix(h + (ulong)k * 0x9E3779B97F4A7C15UL);
                var category = (hk & 0xFF) < 179 ? favourite : (int)((hk >> 8) % (ulong)Categories.Length);
                var u = ((hk >> 16) & 0xFFFF) / 65536.0;
                var item = 1 + (int)Math.Min(ItemsPerCategory - 1, Math.Floor(ItemsPerCategory * u * u));   // Zipf-like: low numbers more often
                var action = actions[(int)((hk >> 32) % (ulong)actions.Length)];
                var ts = from.AddSeconds((hk >> 40) % (27UL * 86400));
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{user},{Categories[category]}-{item:D2},{action},{ts.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}")).ConfigureAwait(false);
            }
        }
    }

    private static ulong Hash(string s)
    {
        var h = 1469598103934665603UL;
        foreach (var ch in s) h = (h ^ ch) * 1099511628211UL;
        return Mix(h);
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>Runs <c>osr-admin ARGS --gateway G</c>; its stdout, or an exception with its output when it does not exit 0.</summary>
    public async Task<string> AdminAsync(string[] args, TimeSpan timeout, CancellationToken ct)
    {
        var (code, stdout, stderr) = await TryAdminAsync(args, timeout, ct).ConfigureAwait(false);
        if (code != 0)
            throw new InvalidOperationException($"osr-admin {string.Join(' ', args)} exited with {code}:\n{stderr}\n{stdout}");
        return stdout;
    }

    public async Task<(int Code, string Stdout, string Stderr)> TryAdminAsync(string[] args, TimeSpan timeout, CancellationToken ct)
    {
        await log.WriteLineAsync("   osr-admin " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a))).ConfigureAwait(false);
        var stderr = new StringBuilder();
        var process = ChildProcess.StartDotnet("osr-admin", paths.AdminDll, [.. args, "--gateway", gateway], captureStdout: true,
            onStderr: line =>
            {
                lock (stderr) stderr.AppendLine(line);
            });
        await using (process.ConfigureAwait(false))
        {
            if (!await process.WaitForExitAsync(timeout, ct).ConfigureAwait(false))
            {
                ct.ThrowIfCancellationRequested();   // Ctrl+C: reported as cancelled, not as a timeout
                throw new InvalidOperationException($"osr-admin {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s (killed)");
            }
            lock (stderr) return (process.ExitCode, process.Stdout, stderr.ToString());
        }
    }
}
