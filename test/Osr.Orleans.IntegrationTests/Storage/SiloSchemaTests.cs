using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Osr.Orleans.Silo.Storage;
using Osr.Orleans.Storage;
using Osr.Orleans.Storage.Migrations;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>A silo started on a schema it cannot use refuses to start: exit code 2 and a message naming the versions or the command.</summary>
public sealed class SiloSchemaTests : IDisposable
{
    private readonly string _directory = TempDirectory.Create("osr-silo-schema");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ASiloOnANewerEmbeddedSchemaExitsTwoNamingBothVersions()
    {
        var data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "events.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 42;";
            command.ExecuteNonQuery();
        }

        var (exit, stderr) = await RunSiloAsync(
            $"--Osr:Data:Path={data}", $"--Osr:Models:Path={Path.Combine(_directory, "models")}");

        exit.Should().Be(2, stderr);
        stderr.Should().Contain($"schema version 42 is newer than this build knows ({SchemaMigrator.SqliteScripts("events")[^1].Version}): upgrade osr");
    }

    [Fact]
    public async Task TheSiloStartupRefusesAnOlderPostgreSqlSchemaWithoutAutoMigrateNamingTheCommand()
    {
        // The start-up step the silo runs before Orleans (AddOsrEventStore), on a real database.
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync("osr_silo_older");
        await using var stores = OsrStores.OpenPostgreSql(connectionString);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [StorageSelection.AutoMigrateKey] = "false" }).Build();
        var startup = new StorageStartup(stores, NullLogger<StorageStartup>.Instance, configuration);

        var act = () => startup.StartAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<SchemaVersionException>()).Which.Message.Should().Contain("osr-admin db migrate");
        var allowed = new StorageStartup(stores, NullLogger<StorageStartup>.Instance, new ConfigurationBuilder().Build());
        await allowed.StartAsync(CancellationToken.None);
        (await SchemaMigrator.MigratePostgreSqlAsync(connectionString, apply: false)).After.Should().Be(SchemaMigrator.PostgreSqlScripts[^1].Version);
    }

    private static async Task<(int Exit, string Stderr)> RunSiloAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Osr.Orleans.Silo.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.ArgumentList.Add($"--Osr:Mqtt:Port={FreePort.Next()}");
        info.ArgumentList.Add("--Osr:Mqtt:BindAddress=127.0.0.1");
        info.ArgumentList.Add($"--Osr:Cluster:SiloPort={FreePort.Next()}");
        info.ArgumentList.Add($"--Osr:Cluster:GatewayPort={FreePort.Next()}");
        info.ArgumentList.Add("--Osr:Ops:Port=0");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the silo did not exit: {await stdout}");
        }
        return (process.ExitCode, await stderr + await stdout);
    }
}
