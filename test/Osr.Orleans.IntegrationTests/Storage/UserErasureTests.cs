using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Client;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>
/// docs/contract.md "Security and data lifecycle": <c>users forget U</c> on a real silo, once on the embedded SQLite
/// files and once on PostgreSQL. Every table of every database is searched for the user's id (text columns, and the
/// bytes of binary ones: grain state payloads, outbox bodies) before and after: rows with it before, none after, while
/// the other user's rows are all still there; then <c>user show U</c> and a second <c>users forget U</c> exit 2.
/// </summary>
public abstract class UserErasureTests
{
    private const string Victim = "erase-victim-7f3a";
    private const string Keeper = "erase-keeper-7f3a";
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    private protected abstract Task<InProcessSilo> StartAsync(Dictionary<string, string?> settings);

    /// <summary>Every table that holds at least one row mentioning <paramref name="text"/>, with how many.</summary>
    private protected abstract Task<Dictionary<string, long>> RowsMentioningAsync(InProcessSilo silo, string text);

    [Fact]
    public async Task ForgettingAUserLeavesNoRowOfItInAnyTableAndTouchesNoOneElse()
    {
        await using var silo = await StartAsync(new Dictionary<string, string?>
        {
            // Webhook entries for the pushes (to a port nothing listens on: they stay in the outbox).
            ["Osr:Push:Webhooks:0"] = "http://127.0.0.1:9/hook",
            ["Osr:Push:AllowHttp"] = "true",
            ["Osr:Push:SigningSecret"] = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=",
        });
        await SeedAsync(silo, Victim);
        await SeedAsync(silo, Keeper);

        var before = await RowsMentioningAsync(silo, Victim);
        var keeperBefore = await RowsMentioningAsync(silo, Keeper);
        before.Keys.Should().Contain(keeperBefore.Keys, "both users were seeded alike");
        before.Keys.Select(k => k.Split(':')[^1].ToLowerInvariant().Replace("osr_", "").Replace("_", ""))
            .Should().Contain(["interactions", "users", "decisions", "feedback", "outbox", "orleansstorage"], "the search sees every kind of row");

        var cli = new TestCli();
        cli.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        (await cli.RunAsync("users", "forget", Victim, "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("devices").GetInt32().Should().Be(2);
        json.GetProperty("grainStates").GetInt32().Should().Be(2);
        json.GetProperty("interactions").GetInt64().Should().Be(3);
        json.GetProperty("decisions").GetInt64().Should().Be(1);
        json.GetProperty("feedback").GetInt64().Should().Be(1);
        json.GetProperty("outboxEntries").GetInt64().Should().Be(1);
        json.GetProperty("profileRows").GetInt64().Should().Be(1);

        // Deactivated grains write nothing back: settle, then look.
        await Poll.UntilAsync(async () => (await RowsMentioningAsync(silo, Victim)).Count == 0, "no row of the forgotten user remains",
            TimeSpan.FromSeconds(10));
        (await RowsMentioningAsync(silo, Victim)).Should().BeEmpty();
        (await RowsMentioningAsync(silo, Keeper)).Should().Equal(keeperBefore);
        (await silo.Grains.GetGrain<IDeviceGrain>(Victim + "-watch").AuthenticateAsync("anything")).Should().BeNull();

        var show = new TestCli();
        show.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        (await show.RunAsync("user", "show", Victim)).Should().Be(ExitCodes.BadInput);
        show.Error.ToString().Should().Contain("unknown user");
        var again = new TestCli();
        again.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        (await again.RunAsync("users", "forget", Victim)).Should().Be(ExitCodes.BadInput, "forgetting twice changes nothing");
        again.Error.ToString().Should().Contain("unknown user");
        var keeper = new TestCli();
        keeper.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        (await keeper.RunAsync("user", "show", Keeper)).Should().Be(ExitCodes.Success, keeper.Error.ToString());
    }

    /// <summary>Two devices with readings, a profile, three interactions, one sent decision (an outbox entry) with feedback.</summary>
    private static async Task SeedAsync(InProcessSilo silo, string userId)
    {
        var grains = silo.Grains;
        foreach (var kind in new[] { "watch", "phone" })
        {
            var device = grains.GetGrain<IDeviceGrain>($"{userId}-{kind}");
            (await device.RegisterAsync(userId, kind)).Ok.Should().BeTrue();
            (await grains.IngestAsync(device, Readings.Resting(1, Noon.AddMinutes(-5), 10))).Accepted.Should().BePositive();
        }
        var user = grains.GetGrain<IUserStateGrain>(userId);
        await user.SetProfileAsync(new UserProfile(34, "Europe/Amsterdam", "runners"));
        for (var i = 0; i < 3; i++) await user.RecordInteractionAsync($"drinks-{i}", InteractionAction.Purchase, Noon.AddDays(-i).UtcTicks);

        var scored = new[] { new ScoredCandidate("drinks-1", "drinks", 1, 1, 0.5, 0.5, 0.95, null) };
        var request = new DecisionRequest(userId, "runners", "Europe/Amsterdam", "post-workout", Noon.UtcTicks, Noon.UtcTicks,
            Enumerable.Repeat(double.NaN, 13).ToArray(), "prior", "als-v1", "a", scored);
        var throttle = grains.GetGrain<INotificationThrottleGrain>(userId);
        var decision = await throttle.DecideAsync(request);
        decision.Outcome.Should().Be(DecisionOutcomes.Sent);
        (await throttle.RecordFeedbackAsync(decision.NotificationId, FeedbackAction.Opened, Noon.AddMinutes(1).UtcTicks))
            .Should().Be(Osr.Orleans.Models.Readings.RejectReason.None);
        var outbox = silo.Services.GetRequiredService<IOutboxStore>();
        await Poll.UntilAsync(async () => (await outbox.ReadEntriesAsync(decision.NotificationId)).Count == 1, "the push is in the outbox");
    }

    private protected static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));
}

/// <summary>The embedded silo: events.db, outbox.db and the grain storage file.</summary>
public sealed class SqliteUserErasureTests : UserErasureTests
{
    private protected override Task<InProcessSilo> StartAsync(Dictionary<string, string?> settings)
    {
        settings["Osr:Storage:Mode"] = "Sqlite";
        return InProcessSilo.StartAsync(settings);
    }

    private protected override Task<Dictionary<string, long>> RowsMentioningAsync(InProcessSilo silo, string text)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(silo.DataPath, "*.db"))
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            var tables = new List<string>();
            using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
                using var reader = list.ExecuteReader();
                while (reader.Read()) tables.Add(reader.GetString(0));
            }
            foreach (var table in tables)
            {
                var columns = new List<string>();
                using (var info = connection.CreateCommand())
                {
                    info.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
                    using var reader = info.ExecuteReader();
                    while (reader.Read()) columns.Add(reader.GetString(0));
                }
                using var count = connection.CreateCommand();
                // Text and the bytes of blobs alike: instr over the value as a blob.
                count.CommandText = $"SELECT COUNT(*) FROM \"{table}\" WHERE " +
                                    string.Join(" OR ", columns.Select(c => $"instr(CAST(\"{c}\" AS BLOB), CAST($t AS BLOB)) > 0"));
                count.Parameters.AddWithValue("$t", text);
                var n = (long)count.ExecuteScalar()!;
                if (n > 0) found[$"{Path.GetFileName(file)}:{table}"] = n;
            }
        }
        return Task.FromResult(found);
    }
}

/// <summary>Cluster mode: every store and Orleans' grain storage in one PostgreSQL database.</summary>
public sealed class PostgreSqlUserErasureTests : UserErasureTests
{
    private string _connectionString = "";

    private protected override async Task<InProcessSilo> StartAsync(Dictionary<string, string?> settings)
    {
        _connectionString = await OrleansPostgresSchema.CreateDatabaseAsync("osr_erase");
        settings["Osr:Storage:Mode"] = "AdoNet";
        settings["Osr:Storage:ConnectionString"] = _connectionString;
        settings["Osr:Cluster:Mode"] = "AdoNet";
        return await InProcessSilo.StartAsync(settings);
    }

    private protected override async Task<Dictionary<string, long>> RowsMentioningAsync(InProcessSilo silo, string text)
    {
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        foreach (var table in tables)
        {
            // A row as text: text columns as they are, bytea as hex (\x…), so both forms of the id are looked for.
            await using var count = new NpgsqlCommand(
                $"SELECT COUNT(*) FROM \"{table}\" t WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0", connection);
            count.Parameters.AddWithValue(text);
            count.Parameters.AddWithValue(Hex(text));
            var n = (long)(await count.ExecuteScalarAsync())!;
            if (n > 0) found[table] = n;
        }
        return found;
    }
}
