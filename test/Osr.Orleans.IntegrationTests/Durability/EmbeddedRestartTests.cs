using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Client;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.IntegrationTests.Durability;

/// <summary>
/// The embedded default survives a crash (docs/operations.md "What a crash costs"): a real silo
/// process on SQLite storage, a device streaming over real MQTT, rules set and a push made (the
/// day's cap reached), then <c>kill -9</c> and a restart on the same data directory. Everything
/// is back: the device's old secret, the profile, the rules, the sent push (the cap holds: no
/// second push), the decision history in <c>osr-admin user show</c>, the statistics, the
/// retraining reminder, and the filters as of their last checkpoint.
/// </summary>
public sealed class EmbeddedRestartTests : IAsyncLifetime
{
    private const string User = "rs-u1", Device = "rs-w1";
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);
    private readonly SiloProcess _silo = new("embedded", new Dictionary<string, string?>
    {
        ["Osr:Storage:Mode"] = "Sqlite",
        ["Osr:Clock"] = "Event",
        ["Osr:Ingest:MaxReadingsPerSecond"] = "100000",
        ["Osr:Ingest:Burst"] = "100000",
        ["Osr:State:CheckpointInterval"] = "00:00:01",
        ["Osr:Als:Rank"] = "8",
        ["Osr:Als:Iterations"] = "8",
        ["Logging:LogLevel:Default"] = "Warning",
    });

    public Task InitializeAsync() => _silo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task EverythingIsBackAfterKill9AndARestartOnTheSameDataDirectory()
    {
        string secret;
        UserSnapshot before;
        long acceptedBefore;
        DateTime reminderStart;
        var started = DateTime.UtcNow;
        await using (var cluster = await ConnectAsync())
        {
            var grains = cluster.Grains;
            await SeedAsync(grains);
            await grains.GetGrain<IUserStateGrain>(User).SetProfileAsync(new UserProfile(30, "Europe/Amsterdam", "runners"));
            secret = (await grains.GetGrain<IDeviceGrain>(Device).RegisterAsync(User, "watch")).Secret!;
            var rules = grains.GetGrain<IRulesGrain>(GrainKeys.Global);
            (await rules.SetAsync(RuleKeys.CapDay, RuleScope.ForUser(User), "1")).Ok.Should().BeTrue();

            await using (var watch = await DeviceClient.ConnectAsync(_silo.MqttPort, Device, secret))
            {
                await watch.SubscribeAsync($"osr/v1/users/{User}/notifications");
                await DecisionScenario.PublishWorkoutAsync(watch, DecisionScenario.Local(2026, 11, 18, 17, 0), firstSeq: 0);
                var (topic, _) = await watch.NextAsync(TimeSpan.FromSeconds(30));
                topic.Should().Be($"osr/v1/users/{User}/notifications");
            }

            before = await grains.GetGrain<IUserStateGrain>(User).GetSnapshotAsync();
            before.Decisions.Should().ContainSingle(d => d.Outcome == "sent");
            var stats = grains.GetGrain<IStatsGrain>(GrainKeys.Global);
            acceptedBefore = (await Poll.ForAsync(() => Accepted(stats), n => n >= before.ReadingsApplied, "the stats count every reading"))!.Value;
        }
        // A checkpoint is written within one interval and one scheduler tick (1.25 s here) of a grain's first
        // unwritten change, and the last changes were made before `settled`: a real process's scheduler needs real time to pass.
        var settled = DateTime.UtcNow;
        await Poll.UntilAsync(() => DateTime.UtcNow > settled + 2 * CheckpointInterval
                && WrittenSince(started, ("stats", GrainKeys.Global), ("user", User), ("decisions", User), ("throttle", User), ("device", Device)),
            "the stats, the user's filters, the decision history, the sent pushes and the device are checkpointed");
        reminderStart = RetrainingReminderStart() ?? throw new InvalidOperationException("no retraining reminder stored");

        await _silo.KillAsync();
        await _silo.StartAsync();

        await using (var cluster = await ConnectAsync())
        {
            var grains = cluster.Grains;
            // The device authenticates with its old secret.
            await using var watch = await DeviceClient.ConnectAsync(_silo.MqttPort, Device, secret);
            await watch.SubscribeAsync($"osr/v1/users/{User}/notifications");

            // Profile, filters as of the last checkpoint, decision history.
            var after = await grains.GetGrain<IUserStateGrain>(User).GetSnapshotAsync();
            after.TimeZone.Should().Be("Europe/Amsterdam");
            after.Segment.Should().Be("runners");
            after.Age.Should().Be(30);
            after.ReadingsApplied.Should().Be(before.ReadingsApplied);
            after.LastReadingAt.Should().Be(before.LastReadingAt);
            after.Estimate.Should().BeEquivalentTo(before.Estimate);
            after.Label.Should().Be(before.Label);
            after.Decisions.Select(d => d.NotificationId).Should().Equal(before.Decisions.Select(d => d.NotificationId));

            // Rules and statistics.
            var ruleSet = await grains.GetGrain<IRulesGrain>(GrainKeys.Global).GetAsync();
            ruleSet.Resolve(User, "runners", "drinks-00", "drinks").CapDay.Should().Be(1);
            (await Accepted(grains.GetGrain<IStatsGrain>(GrainKeys.Global))).Should().Be(acceptedBefore);

            // The retraining reminder is the one registered before the crash.
            RetrainingReminderStart().Should().Be(reminderStart);

            // `osr-admin user show` explains the decisions made before the crash.
            var cli = new TestCli();
            cli.Clusters.Connection = await ConnectAsync(); // the command closes its connection
            (await cli.RunAsync("user", "show", User, "--json")).Should().Be(0, cli.Error.ToString());
            var shown = JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("decisions").EnumerateArray()
                .Select(d => d.GetProperty("notificationId").GetString()).ToArray();
            shown.Should().Contain(before.Decisions.Single(d => d.Outcome == "sent").NotificationId);

            // The day's cap still counts the push sent before the crash: a second workout that day sends nothing.
            await SeedScoreWindowAsync(grains);
            await DecisionScenario.PublishWorkoutAsync(watch, DecisionScenario.Local(2026, 11, 18, 20, 0), firstSeq: 10_000);
            var later = await grains.GetGrain<IUserStateGrain>(User).GetSnapshotAsync();
            var newDecisions = later.Decisions.Where(d => before.Decisions.All(b => b.NotificationId != d.NotificationId)).ToArray();
            newDecisions.Should().NotBeEmpty().And.OnlyContain(d => d.Outcome == "suppressed");
            newDecisions.Should().Contain(d => d.Checks.Any(c => c.Rule == RuleName.CapDay && !c.Passed));
            watch.ReceivedCount.Should().Be(0, "the cap of one push a day was reached before the crash");
        }
    }

    private Task<IClusterConnection> ConnectAsync() => AdminConnection.ConnectAsync(_silo.GatewayPort);

    private static async Task<long?> Accepted(IStatsGrain stats) =>
        (await stats.GetAsync()).Totals.Counters.TryGetValue(CounterNames.ReadingsAccepted, out var n) ? n : null;

    /// <summary>The shared decision scenario for <see cref="User"/>, and a busy cluster's recent scores.</summary>
    private async Task SeedAsync(IGrainFactory grains)
    {
        await DecisionScenario.SeedAsync(grains, _silo.ModelsPath, User);
        await SeedScoreWindowAsync(grains);
    }

    /// <summary>Recent raw scores over [−1, 1], as a busy cluster would have; the silo merges them within a second.</summary>
    private static async Task SeedScoreWindowAsync(IGrainFactory grains)
    {
        var window = new RawScoreWindow(ScoreWindow.Window, ScoreWindow.Buckets);
        var at = DecisionScenario.Local(2026, 11, 18, 12, 0).UtcTicks;
        for (var i = 0; i <= 20; i++) window.Add(-1 + i * 0.1, at);
        var merged = await grains.GetGrain<IScoreWindowGrain>(GrainKeys.Global).ExchangeAsync(window.Snapshot());
        merged.Should().NotBeNull();
    }

    private string GrainsDb => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(_silo.DataPath, "grains.db"),
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = false,
    }.ToString();

    /// <summary>Whether each (state, key) row of grains.db was written after <paramref name="since"/> (UTC).</summary>
    private bool WrittenSince(DateTime since, params (string State, string Key)[] rows)
    {
        using var connection = new SqliteConnection(GrainsDb);
        connection.Open();
        foreach (var (state, key) in rows)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT ModifiedOn FROM OrleansStorage WHERE GrainTypeString = $t AND GrainIdExtensionString = $k";
            command.Parameters.AddWithValue("$t", state);
            command.Parameters.AddWithValue("$k", key);
            if (command.ExecuteScalar() is not string text) return false;
            var modified = DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            if (modified <= since) return false;
        }
        return true;
    }

    private DateTime? RetrainingReminderStart()
    {
        using var connection = new SqliteConnection(GrainsDb);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT StartTime FROM OrleansRemindersTable WHERE ReminderName = 'retrain-als'";
        return command.ExecuteScalar() is string text ? DateTime.Parse(text, CultureInfo.InvariantCulture) : null;
    }
}
