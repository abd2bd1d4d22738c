using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Orleans.Runtime;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Durability;

/// <summary>
/// Orleans' ADO.NET clustering on the project's PostgreSQL scripts (0010–0011), with real silo
/// hosts: silos join, see each other, clients find their gateways, a silo that stops is marked
/// dead for the others, and dead silos are pruned.
/// </summary>
public sealed class PostgresMembershipTests
{
    [Fact]
    public async Task TwoSilosJoinSeeEachOtherAndALeavingOneIsMarkedDead()
    {
        var connectionString = await OrleansPostgresSchema.CreateDatabaseAsync("osr_membership");
        await using var first = await InProcessSilo.StartAsync(PostgresGrainStorageTests.AdoNet(connectionString));
        var second = await InProcessSilo.StartAsync(PostgresGrainStorageTests.AdoNet(connectionString));
        try
        {
            await Poll.UntilAsync(async () => (await ActiveSilos(first)).Length == 2, "the first silo sees two active silos");
            await Poll.UntilAsync(async () => (await ActiveSilos(second)).Length == 2, "the second silo sees two active silos");
            (await StatusesInTable(connectionString)).Should().Equal(3, 3); // SiloStatus.Active

            // osr-admin in AdoNet mode finds the gateways in the membership table.
            var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Osr:Cluster:Mode"] = "AdoNet",
                ["Osr:Cluster:ConnectionString"] = connectionString,
            }).Build();
            await using var client = await new OrleansClusterConnectionFactory().ConnectAsync(ClusterTarget.Resolve(settings, null), verbose: false, CancellationToken.None);
            (await client.Grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync()).Should().NotBeNull();
        }
        finally
        {
            await second.DisposeAsync();
        }

        await Poll.UntilAsync(async () => (await ActiveSilos(first)).Length == 1, "the first silo sees the second one gone");
        (await StatusesInTable(connectionString)).Should().BeEquivalentTo([3, 6]); // one Active, one Dead

        // Dead silos are pruned once they are older than the cut-off, the living never.
        await first.Services.GetRequiredService<IMembershipTable>().CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        (await StatusesInTable(connectionString)).Should().Equal(3);
    }

    private static async Task<SiloAddress[]> ActiveSilos(InProcessSilo silo)
    {
        var hosts = await silo.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return [.. hosts.Keys];
    }

    private static async Task<int[]> StatusesInTable(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status FROM orleans_membership ORDER BY status", connection);
        var statuses = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) statuses.Add(reader.GetInt32(0));
        return [.. statuses];
    }
}
