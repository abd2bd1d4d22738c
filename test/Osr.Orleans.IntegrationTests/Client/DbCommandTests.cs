using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Storage.Migrations;

namespace Osr.Orleans.IntegrationTests.Client;

/// <summary><c>osr-admin db migrate</c> on real SQLite files and a real PostgreSQL server.</summary>
public sealed class DbCommandTests : IDisposable
{
    private readonly string _directory = TempDirectory.Create("osr-db-cli");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task MigratingTheEmbeddedFilesTwicePrintsBeforeAndAfterAndIsIdempotent()
    {
        var data = Path.Combine(_directory, "data");
        var first = new TestCli { ConsoleWidth = 500 };
        var second = new TestCli { ConsoleWidth = 500 };

        (await first.RunAsync("db", "migrate", "--data", data)).Should().Be(0, first.Error.ToString());
        (await second.RunAsync("db", "migrate", "--data", data, "--json")).Should().Be(0, second.Error.ToString());

        var events = SchemaMigrator.SqliteScripts("events")[^1].Version;
        first.Out.ToString().Should().Contain($"events.db: version 0 → {events} ({events} migration(s) applied)");
        using var json = JsonDocument.Parse(second.Out.ToString());
        var databases = json.RootElement.GetProperty("databases").EnumerateArray().ToArray();
        databases.Should().HaveCount(SchemaMigrator.SqliteSets.Count);
        databases.Should().AllSatisfy(d =>
        {
            d.GetProperty("applied").GetInt32().Should().Be(0);
            d.GetProperty("before").GetInt32().Should().Be(d.GetProperty("after").GetInt32());
        });
    }

    [Fact]
    public async Task TheDataPathComesFromConfigurationWhenNotGiven()
    {
        var cli = new TestCli();
        cli.Settings["Osr:Data:Path"] = Path.Combine(_directory, "configured");

        (await cli.RunAsync("db", "migrate")).Should().Be(0, cli.Error.ToString());

        File.Exists(Path.Combine(_directory, "configured", "events.db")).Should().BeTrue();
    }

    [Fact]
    public async Task ANewerEmbeddedSchemaExitsTwoNamingBothVersionsAndChangesNothing()
    {
        var data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        var outbox = Path.Combine(data, "outbox.db");
        using (var connection = new SqliteConnection($"Data Source={outbox};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 7;";
            command.ExecuteNonQuery();
        }
        var cli = new TestCli();

        (await cli.RunAsync("db", "migrate", "--data", data)).Should().Be(2);

        cli.Error.ToString().Should().Contain($"schema version 7 is newer than this build knows ({SchemaMigrator.SqliteScripts("outbox")[^1].Version}): upgrade osr")
            .And.Contain("nothing was changed");
        File.Exists(Path.Combine(data, "events.db")).Should().BeFalse();
        SchemaMigrator.ReadSqliteVersion(outbox).Should().Be(7);
    }

    [Fact]
    public async Task APostgreSqlDatabaseIsMigratedOnceAndThenReportedCurrent()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_cli_migrate");
        var first = new TestCli { ConsoleWidth = 500 };
        var second = new TestCli { ConsoleWidth = 500 };
        var known = SchemaMigrator.PostgreSqlScripts[^1].Version;

        (await first.RunAsync("db", "migrate", "--connection", connectionString, "--json")).Should().Be(0, first.Error.ToString());
        (await second.RunAsync("db", "migrate", "--connection", connectionString)).Should().Be(0, second.Error.ToString());

        using var json = JsonDocument.Parse(first.Out.ToString());
        var database = json.RootElement.GetProperty("databases").EnumerateArray().Single();
        (database.GetProperty("before").GetInt32(), database.GetProperty("after").GetInt32()).Should().Be((0, known));
        second.Out.ToString().Should().Contain($"version {known} → {known} (already current)");
    }

    [Fact]
    public async Task ANewerPostgreSqlSchemaExitsTwo()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_cli_newer");
        await SchemaMigrator.MigratePostgreSqlAsync(connectionString);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("INSERT INTO osr_schema_migrations (version, name) VALUES (999, 'future')", connection);
            await command.ExecuteNonQueryAsync();
        }
        var cli = new TestCli();

        (await cli.RunAsync("db", "migrate", "--connection", connectionString)).Should().Be(2);

        cli.Error.ToString().Should().Contain("schema version 999 is newer than this build knows");
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=notanumber;Database=x", "--connection")]
    [InlineData("this is not a connection string", "--connection")]
    [InlineData("Port=5432;Database=x", "no Host=")]
    [InlineData("Host=127.0.0.1;Port=5432", "no Database=")]
    public async Task ABadConnectionStringExitsTwoWithoutConnecting(string connectionString, string message)
    {
        var cli = new TestCli();

        (await cli.RunAsync("db", "migrate", "--connection", connectionString)).Should().Be(2);

        cli.Error.ToString().Should().Contain(message);
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task DataAndConnectionTogetherAreRefused()
    {
        var cli = new TestCli();

        (await cli.RunAsync("db", "migrate", "--connection", "Host=127.0.0.1;Database=x", "--data", _directory)).Should().Be(2);

        cli.Error.ToString().Should().Contain("exclude each other");
    }

    [Fact]
    public async Task AnUnreachableServerExitsOne()
    {
        var cli = new TestCli();

        (await cli.RunAsync("db", "migrate", "--connection", $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=x;Timeout=3"))
            .Should().Be(1);

        cli.Error.ToString().Should().Contain("cannot reach PostgreSQL at 127.0.0.1");
    }
}
