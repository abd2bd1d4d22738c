using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Durability;

/// <summary>
/// The storage and cluster settings (docs/operations.md "Storage and cluster") are checked before
/// anything starts: the real silo process exits with 2 and a message naming the key; a database it cannot reach
/// exits with 1 after <c>Osr:Storage:StartupTimeout</c>.
/// </summary>
public sealed class StorageConfigurationTests
{
    [Theory]
    [InlineData("Osr:Storage:ConnectionString", "Osr:Storage:Mode=AdoNet")]
    [InlineData("Osr:Storage:ConnectionString is not a valid Npgsql connection string", "Osr:Storage:Mode=AdoNet", "Osr:Storage:ConnectionString=Host=127.0.0.1;Port=notaport")]
    [InlineData("Osr:Storage:ConnectionString is not a valid Npgsql connection string", "Osr:Storage:Mode=AdoNet", "Osr:Storage:ConnectionString=Host=127.0.0.1;Colour=blue")]
    [InlineData("needs Osr:Storage:Mode AdoNet", "Osr:Cluster:Mode=AdoNet", "Osr:Cluster:ConnectionString=Host=127.0.0.1;Database=osr")]
    [InlineData("Osr:Cluster:Mode AdoNet needs a PostgreSQL connection string", "Osr:Cluster:Mode=AdoNet", "Osr:Storage:Mode=Memory")]
    [InlineData("Osr:Cluster:Mode Kubernetes needs a PostgreSQL connection string", "Osr:Cluster:Mode=Kubernetes")]
    [InlineData("Osr:Cluster:AdvertisedAddress", "Osr:Cluster:AdvertisedAddress=0.0.0.0")]
    public async Task ABadStorageOrClusterSettingStopsTheSiloWithExitCode2(string message, params string[] settings)
    {
        await using var silo = new SiloProcess("bad-config", settings.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]));

        silo.Start();
        var code = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        code.Should().Be(2, silo.Output);
        silo.Output.Should().Contain("invalid configuration").And.Contain(message);
        File.Exists(Path.Combine(silo.DataPath, "grains.db")).Should().BeFalse("nothing is created before the settings are checked");
    }

    [Fact]
    public async Task AnUnreachablePostgreSqlIsTriedUntilTheStartupTimeoutThenTheSiloExitsWith1()
    {
        // A loopback port nothing listens on: every connection attempt is refused at once.
        var port = FreePort.Next();
        await using var silo = new SiloProcess("no-database", new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "AdoNet",
            ["Osr:Storage:ConnectionString"] = $"Host=127.0.0.1;Port={port};Database=osr;Username=osr;Password=secret-word",
            ["Osr:Storage:StartupTimeout"] = "00:00:03",
        });

        silo.Start();
        var code = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        code.Should().Be(1, silo.Output);
        silo.Output.Should().Contain("trying again", "the silo retried before giving up").And.NotContain("secret-word");
        silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Should()
            .StartWith($"osr silo: PostgreSQL at 127.0.0.1:{port}/osr was not reachable", "the last line says what failed")
            .And.Contain("Osr:Storage:StartupTimeout");
    }

    [Fact]
    public async Task TheDefaultIsDurableSqliteUnderTheDataPath()
    {
        await using var silo = new SiloProcess("default");

        await silo.StartAsync();
        var code = await silo.StopAsync();

        code.Should().Be(0, silo.Output);
        File.Exists(Path.Combine(silo.DataPath, "grains.db")).Should().BeTrue(silo.Output);
    }
}
