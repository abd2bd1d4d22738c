using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// Three (or N) real silo processes (<see cref="SiloProcess"/>) in one cluster on a real PostgreSQL (ADO.NET membership,
/// grain storage, reminders and the project's stores, schema by <c>osr-admin db migrate --connection</c>), with the
/// simulator's devices spread over their brokers, decisions on (demo catalogue, ALS, <c>cap.day</c> = <see cref="CapDay"/>,
/// threshold 0 so the cap binds) and the simulated users answering their notifications. Failure detection is shortened
/// through Orleans' own settings (<c>Orleans:Membership:*</c>: probes every second, two missed probes), not product
/// defaults. The methods read what the store holds, for the tests to compare with what the devices were acknowledged.
/// </summary>
internal sealed class FaultCluster : IAsyncDisposable
{
    public const int CapDay = 3;

    private readonly List<Task> _tasks = [];
    private readonly CancellationTokenSource _run = new();
    private readonly CancellationTokenSource _reconnecting = new();
    private IClusterConnection? _client;
    private SenderLoop[] _loops = [];

    private FaultCluster(PostgresServer postgres, string connectionString, SiloProcess[] silos)
    {
        Postgres = postgres;
        ConnectionString = connectionString;
        Silos = silos;
    }

    public PostgresServer Postgres { get; }
    public string ConnectionString { get; }
    public SiloProcess[] Silos { get; }
    public TimeProvider Time { get; } = TimeProvider.System;
    public SimulationStats Stats { get; } = new();
    public MqttFleet Fleet { get; private set; } = null!;
    public NotificationListener Listener { get; private set; } = null!;
    public FeedbackResponder Responder { get; private set; } = null!;
    public IReadOnlyList<DeviceSimulator> Devices { get; private set; } = [];
    public IGrainFactory Grains => _client!.Grains;

    /// <summary>Starts PostgreSQL's database, the silos and the client, and provisions <paramref name="users"/> users (not yet publishing).</summary>
    public static async Task<FaultCluster> StartAsync(PostgresServer postgres, int silos, int users, string prefix)
    {
        var connectionString = await postgres.CreateDatabaseAsync(prefix);
        await MigrateAsync(connectionString);
        var settings = new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "AdoNet",
            ["Osr:Storage:ConnectionString"] = connectionString,
            ["Osr:Cluster:Mode"] = "AdoNet",
            ["Osr:Cluster:ConnectionString"] = connectionString,
            ["Osr:State:CheckpointInterval"] = "00:00:01",
            ["Osr:Decisions:MinInterval"] = "00:00:02",
            ["Orleans:Membership:ProbeTimeout"] = "00:00:02",
            ["Orleans:Membership:NumMissedProbesLimit"] = "2",
            ["Orleans:Membership:TableRefreshTimeout"] = "00:00:02",
            ["Orleans:Membership:IAmAliveTablePublishTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var processes = Enumerable.Range(0, silos).Select(i => new SiloProcess($"silo-{i}", settings)).ToArray();
        var cluster = new FaultCluster(postgres, connectionString, processes);
        try
        {
            await Task.WhenAll(processes.Select(p => p.StartAsync(TimeSpan.FromSeconds(90))));
            await cluster.ProvisionAsync(users, prefix);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>osr-admin db migrate --connection CS</c>, the built console as a child process.</summary>
    private static async Task MigrateAsync(string connectionString)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "src", "Client", "bin", "Release", "net10.0", "osr-admin.dll"));
        foreach (var a in new[] { "db", "migrate", "--connection", connectionString }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, $"osr-admin db migrate: {await stderr}{await stdout}");
    }

    private async Task ProvisionAsync(int users, string prefix)
    {
        _client = await AdminConnection.ConnectAsync([.. Silos.Select(s => s.GatewayPort)]);
        var options = new SimulationOptions { Users = users, Prefix = prefix, Seed = 11, Cycle = TimeSpan.FromSeconds(30) };
        var plan = SimulationPlan.Create(options);
        await plan.ProvisionAsync(Grains, CancellationToken.None);
        await DemoCatalog.EnsureAsync(Grains, World.Planted, plan.Users, options.Seed, Time.GetUtcNow(), TextWriter.Null, Time,
            TimeSpan.FromMilliseconds(100), CancellationToken.None);
        var rules = Grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        foreach (var (key, value) in new[] { ("cap.day", CapDay.ToString(CultureInfo.InvariantCulture)), ("osr.threshold", "0"), ("gap.similar", "0s") })
            (await rules.SetAsync(key, RuleScope.Global, value)).Ok.Should().BeTrue($"rules set {key} {value}");

        Devices = plan.Devices;
        Listener = new NotificationListener(plan.Users, Time);
        Fleet = new MqttFleet(Stats, Time, Listener);
        Fleet.Prepare(Devices, [.. Silos.Select(s => new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, s.MqttPort))], []);
        Responder = new FeedbackResponder(Fleet, World.Planted, options.Seed, Time, Devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal),
            recordAcknowledged: true);
        (await Fleet.ConnectAllAsync(Devices, 64, null, CancellationToken.None)).Should().Be(Devices.Count, "every device connects");
    }

    /// <summary>Publishes <paramref name="readingsPerSecond"/> over all devices (one sender loop per core) and answers notifications.</summary>
    public void StartLoad(double readingsPerSecond)
    {
        var start = Time.GetTimestamp();
        var wall = Time.GetUtcNow();
        var slot = Math.Max(1, (long)(Time.TimestampFrequency * (Devices.Count / readingsPerSecond)));
        foreach (var d in Devices)
        {
            d.Seq = Math.Max(wall.ToUnixTimeMilliseconds(), d.Seq);
            d.NextSlot = start + slot * d.Index / Devices.Count;
        }

        var loops = Math.Clamp(Environment.ProcessorCount, 1, 4);
        _loops = [.. Enumerable.Range(0, loops).Select(l => new SenderLoop([.. Devices.Where((_, i) => i % loops == l)], Fleet, Stats, Time, start, wall, slot, 1))];
        foreach (var loop in _loops) _tasks.Add(Task.Run(() => loop.RunAsync(_run.Token)));
        _tasks.Add(Responder.RunAsync(Listener, _run.Token));
        _tasks.Add(SendInteractionsAsync(_run.Token));
        _tasks.Add(Fleet.ReconnectLoopAsync(Devices, 64, _reconnecting.Token));
    }

    /// <summary>Interaction events acknowledged to the devices: (user, item id), each item id used once.</summary>
    public ConcurrentQueue<(string User, string ItemId)> InteractionsAcknowledged { get; } = new();

    private long _interactionsResent;

    /// <summary>Interaction events sent again (unchanged, same eventId) after a failed or unacknowledged attempt.</summary>
    public long InteractionsResent => Volatile.Read(ref _interactionsResent);

    /// <summary>
    /// Every 20 ms a device sends a <c>view</c> of an item id used once (so the store can be checked per event) with that id
    /// as its <c>eventId</c>, sending it again, unchanged, until it is acknowledged or refused, like a device following
    /// docs/operations.md.
    /// </summary>
    private async Task SendInteractionsAsync(CancellationToken ct)
    {
        var random = new Random(7);
        for (var n = 0; !ct.IsCancellationRequested; n++)
        {
            var device = Devices[random.Next(Devices.Count)];
            var itemId = $"ix-{n:000000}";
            var payload = Encoding.UTF8.GetBytes(
                $$"""{"type":"interaction","itemId":"{{itemId}}","action":"view","ts":"{{DecisionScenario.Iso(Time.GetUtcNow())}}","eventId":"{{itemId}}"}""");
            var deadline = Time.GetTimestamp() + 60 * Time.TimestampFrequency;
            for (var attempt = 0; Time.GetTimestamp() < deadline; attempt++)
            {
                if (attempt > 0) Interlocked.Increment(ref _interactionsResent);
                var (outcome, _) = await Fleet.PublishEventAsync(device, payload, CancellationToken.None);
                if (outcome == PublishOutcome.Acked) InteractionsAcknowledged.Enqueue((device.UserId, itemId));
                if (outcome is not (PublishOutcome.Failed or PublishOutcome.Disconnected or PublishOutcome.QuotaExceeded)) break;
                await Task.Delay(TimeSpan.FromMilliseconds(200), Time, CancellationToken.None);
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), Time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Interactions stored: (user, item id), one entry per row.</summary>
    public async Task<List<(string, string)>> StoredInteractionsAsync()
    {
        var result = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT user_id, item_id FROM osr_interactions WHERE item_id LIKE 'ix-%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add((reader.GetString(0), reader.GetString(1)));
        return result;
    }

    /// <summary>Stops publishing, lets unacknowledged messages drain (reconnects go on), then stops reconnecting.</summary>
    public async Task StopLoadAsync()
    {
        await _run.CancelAsync();
        await Task.WhenAll(_tasks.Take(_loops.Length + 2));
        await Fleet.DrainAsync(Devices, TimeSpan.FromSeconds(30));
        await _reconnecting.CancelAsync();
        await Task.WhenAll(_tasks);
    }

    /// <summary>
    /// Polls until every device has had a readings message acknowledged after <paramref name="since"/>; returns the time from
    /// <paramref name="since"/> to the latest of those first acknowledgements (each read within one poll interval of when
    /// it happened, as long as the wait starts at <paramref name="since"/>: start its task before anything else is awaited),
    /// i.e. until the last device was back.
    /// </summary>
    public async Task<TimeSpan> WaitUntilEveryDeviceAppliesAsync(long since, string because, TimeSpan timeout)
    {
        var firstAck = new Dictionary<DeviceSimulator, long>();
        await Poll.UntilAsync(() =>
        {
            foreach (var d in Devices)
            {
                var acked = Volatile.Read(ref d.LastAcked);
                if (acked > since) firstAck.TryAdd(d, acked);
            }
            return firstAck.Count == Devices.Count;
        }, $"{because} ({Devices.Count - firstAck.Count} of {Devices.Count} devices not yet)", timeout);
        return Time.GetElapsedTime(since, firstAck.Values.Max());
    }

    /// <summary>Feedback stored: (notification id, action name).</summary>
    public async Task<HashSet<(string, string)>> StoredFeedbackAsync()
    {
        var result = new HashSet<(string, string)>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT decision_id, action FROM osr_feedback", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add((reader.GetString(0), ((FeedbackAction)reader.GetInt16(1)).Name()));
        return result;
    }

    /// <summary>Per user and UTC day, the pushes the decision log says were sent; the largest count.</summary>
    public async Task<(string User, long Pushes)> MostPushesInADayAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT user_id, count(*) AS n FROM osr_decisions WHERE outcome = 'sent' " +
            "GROUP BY user_id, decided_at / 864000000000 ORDER BY n DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt64(1)) : ("", 0);
    }

    /// <summary>The notification ids of every decision logged as sent.</summary>
    public async Task<List<string>> SentNotificationIdsAsync()
    {
        var result = new List<string>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT decision_id FROM osr_decisions WHERE outcome = 'sent'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(reader.GetString(0));
        return result;
    }

    public async Task<long> SentDecisionsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM osr_decisions WHERE outcome = 'sent'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// After <see cref="StopLoadAsync"/>: nothing the devices were acknowledged is missing, no notification reached a device
    /// twice, nobody got more than <see cref="CapDay"/> pushes in a day; returns a one-line summary of the run.
    /// </summary>
    public async Task<string> AssertNothingLostAsync()
    {
        Stats.ReadingsUnackedAtStop.Should().Be(0, $"every reading not acknowledged was sent again and acknowledged\n{Logs}");
        var stored = await StoredFeedbackAsync();
        var acknowledged = Responder.Acknowledged.Select(e => (e.NotificationId, e.Action)).ToHashSet();
        acknowledged.Should().NotBeEmpty("the simulated users answered notifications");
        acknowledged.Except(stored).Should().BeEmpty("every acknowledged feedback event is in the store");
        var interactions = InteractionsAcknowledged.ToHashSet();
        interactions.Should().NotBeEmpty("the devices sent interaction events");
        var storedInteractions = await StoredInteractionsAsync();
        interactions.Except(storedInteractions).Should().BeEmpty("every acknowledged interaction event is in the store");
        storedInteractions.Should().OnlyHaveUniqueItems("an interaction sent again with its eventId is stored once");
        Listener.Duplicates.Should().Be(0, "no notification id reached a device twice");
        var sent = await SentDecisionsAsync();
        sent.Should().BeGreaterThan(0);
        var (user, most) = await MostPushesInADayAsync();
        most.Should().BeLessThanOrEqualTo(CapDay, $"user {user} must not get more than cap.day pushes");
        return $"readings acked {Stats.ReadingsAcked}, reconnects {Stats.Reconnects}, failovers {Stats.Failovers}, resent {Stats.Resent}, " +
            $"interruptions {string.Join(",", Stats.Interruptions)}, feedback acked {acknowledged.Count}, interactions acked {interactions.Count} (resent {InteractionsResent}), notifications {Listener.Received}, " +
            $"sent decisions {sent}, most pushes/day {most}";
    }

    /// <summary>What the silos' logs say, for failure messages.</summary>
    public string Logs => string.Join("\n", Silos.Select(s => $"==== {s.Name}\n{Tail(s.Output, 4000)}"));

    private static string Tail(string text, int chars) => text.Length <= chars ? text : text[^chars..];

    public async ValueTask DisposeAsync()
    {
        await _run.CancelAsync();
        await _reconnecting.CancelAsync();
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Disposing after a failure: the silos go anyway.
        }

        if (Fleet is not null) await Fleet.DisconnectAllAsync(Devices, TimeSpan.FromSeconds(5));
        if (_client is not null) await _client.DisposeAsync();
        foreach (var s in Silos) await s.DisposeAsync();
        _run.Dispose();
        _reconnecting.Dispose();
    }
}
