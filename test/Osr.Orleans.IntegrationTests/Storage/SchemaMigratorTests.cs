using Microsoft.Data.Sqlite;
using Npgsql;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Storage.Migrations;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>Versioned schemas on real SQLite files and a real PostgreSQL server.</summary>
public sealed class SchemaMigratorTests : IAsyncDisposable
{
    private readonly string _directory = TempDirectory.Create("osr-migrate");

    private static int KnownPostgreSql => SchemaMigrator.PostgreSqlScripts[^1].Version;

    private static int KnownSqlite(string set) => SchemaMigrator.SqliteScripts(set)[^1].Version;

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public void TheScriptsAreEmbeddedInNumberOrderPerSequence()
    {
        SchemaMigrator.SqliteSets.Should().Contain(["events", "outbox"]);
        var pg = SchemaMigrator.PostgreSqlScripts;
        pg.Select(s => s.Version).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        pg.Take(5).Select(s => (s.Version, s.Name)).Should().Equal(
            (1, "events"), (2, "decisions"), (3, "rules"), (4, "outbox"), (5, "model_files"));
        pg.Should().AllSatisfy(s => s.Sql.Should().NotBeNullOrWhiteSpace());
    }

    [Fact]
    public async Task EmbeddedFilesAreCreatedAtTheNewestVersionAndASecondRunChangesNothing()
    {
        var first = await SchemaMigrator.MigrateEmbeddedAsync(_directory);
        var second = await SchemaMigrator.MigrateEmbeddedAsync(_directory);

        first.Should().HaveCount(SchemaMigrator.SqliteSets.Count).And.AllSatisfy(r =>
        {
            r.Before.Should().Be(0);
            r.After.Should().Be(r.Known).And.BeGreaterThan(0);
        });
        second.Should().AllSatisfy(r => (r.Before, r.After, r.Applied).Should().Be((r.Known, r.Known, 0)));
        SchemaMigrator.ReadSqliteVersion(Path.Combine(_directory, "events.db")).Should().Be(KnownSqlite("events"));
        SchemaMigrator.ReadSqliteVersion(Path.Combine(_directory, "outbox.db")).Should().Be(KnownSqlite("outbox"));
    }

    [Fact]
    public async Task AnEventsFileFromBeforeVersionedSchemasIsAdoptedWithItsRows()
    {
        var file = Path.Combine(_directory, "events.db");
        Execute(file, """
            CREATE TABLE items (item_id TEXT PRIMARY KEY NOT NULL, kind INTEGER NOT NULL, category TEXT NOT NULL, tags TEXT NOT NULL);
            INSERT INTO items VALUES ('drink-3', 3, 'drinks', 'cold');
            """);

        var result = (await SchemaMigrator.MigrateEmbeddedAsync(_directory)).Single(r => r.Database == file);

        result.Before.Should().Be(0);
        result.After.Should().Be(KnownSqlite("events"));
        Scalar(file, "SELECT category FROM items WHERE item_id = 'drink-3'").Should().Be("drinks");
    }

    [Fact]
    public async Task ANewerEmbeddedFileIsRefusedNamingBothVersionsAndNothingIsChanged()
    {
        var events = Path.Combine(_directory, "events.db");
        var newer = KnownSqlite("events") + 6;
        Execute(events, $"CREATE TABLE future (x INTEGER); PRAGMA user_version = {newer};");

        var act = () => SchemaMigrator.MigrateEmbeddedAsync(_directory);

        var refusal = (await act.Should().ThrowAsync<SchemaVersionException>()).Which;
        refusal.Message.Should().Contain($"schema version {newer} is newer than this build knows ({KnownSqlite("events")}): upgrade osr");
        refusal.IsNewer.Should().BeTrue();
        SchemaMigrator.ReadSqliteVersion(events).Should().Be(newer);
        Scalar(events, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'items'").Should().Be(0L);
        File.Exists(Path.Combine(_directory, "outbox.db")).Should().BeFalse("no file is touched when one is refused");
    }

    [Fact]
    public async Task APostgreSqlDatabaseIsMigratedOnceAndRecordsEachScript()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_migrate");

        var first = await SchemaMigrator.MigratePostgreSqlAsync(connectionString);
        var second = await SchemaMigrator.MigratePostgreSqlAsync(connectionString);

        (first.Before, first.After).Should().Be((0, KnownPostgreSql));
        (second.Before, second.After, second.Applied).Should().Be((KnownPostgreSql, KnownPostgreSql, 0));
        var recorded = await QueryAsync(connectionString, "SELECT version, name FROM osr_schema_migrations ORDER BY version",
            r => (r.GetInt32(0), r.GetString(1)));
        recorded.Should().Equal(SchemaMigrator.PostgreSqlScripts.Select(s => (s.Version, s.Name)));
    }

    [Fact]
    public async Task SilosMigratingTogetherApplyEachScriptOnce()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_migrate_race");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrator.MigratePostgreSqlAsync(connectionString))));

        results.Should().AllSatisfy(r => r.After.Should().Be(KnownPostgreSql));
        results.Count(r => r.Applied > 0).Should().Be(1);
        (await QueryAsync(connectionString, "SELECT COUNT(*) FROM osr_schema_migrations", r => r.GetInt64(0))).Single()
            .Should().Be(SchemaMigrator.PostgreSqlScripts.Count);
    }

    [Fact]
    public async Task ANewerPostgreSqlSchemaIsRefusedWithOrWithoutApplyingAndNothingIsChanged()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_migrate_newer");
        await SchemaMigrator.MigratePostgreSqlAsync(connectionString);
        var newer = KnownPostgreSql + 2;
        await QueryAsync(connectionString, $"INSERT INTO osr_schema_migrations (version, name) VALUES ({newer}, 'from_the_future') RETURNING version",
            r => r.GetInt32(0));

        foreach (var apply in new[] { true, false })
        {
            var act = () => SchemaMigrator.MigratePostgreSqlAsync(connectionString, apply);
            (await act.Should().ThrowAsync<SchemaVersionException>()).Which.Message
                .Should().Contain($"schema version {newer} is newer than this build knows ({KnownPostgreSql}): upgrade osr");
        }
        (await QueryAsync(connectionString, "SELECT MAX(version) FROM osr_schema_migrations", r => r.GetInt32(0))).Single().Should().Be(newer);
    }

    [Fact]
    public async Task AnOlderPostgreSqlSchemaIsRefusedWhenMigratingIsNotAllowedNamingTheCommand()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_migrate_older");

        var act = () => SchemaMigrator.MigratePostgreSqlAsync(connectionString, apply: false);

        var refusal = (await act.Should().ThrowAsync<SchemaVersionException>()).Which;
        refusal.Message.Should().Contain($"schema version 0 is older than this build needs ({KnownPostgreSql})").And.Contain("osr-admin db migrate");
        (await QueryAsync(connectionString, "SELECT COUNT(*) FROM osr_schema_migrations", r => r.GetInt64(0))).Single().Should().Be(0);
    }

    private static void Execute(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task<List<T>> QueryAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<T>();
        while (await reader.ReadAsync()) list.Add(read(reader));
        return list;
    }
}
