using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.ClusterFaults;

/// <summary>
/// PostgreSQL (its own private server, <see cref="PostgresServer.StartAsync"/>) stopped and started again under
/// 2,000 readings/s on three silos: the silos keep running and keep their clients, retry, and lose nothing they
/// acknowledged; every device applies readings again once the database is back.
/// </summary>
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RestartingPostgresUnderLoadLosesNothingAcknowledged()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var cluster = await FaultCluster.StartAsync(postgres, silos: 3, users: 120, prefix: "pgrestart");
        cluster.StartLoad(2_000);
        await cluster.WaitUntilEveryDeviceAppliesAsync(cluster.Time.GetTimestamp(), "every device applies readings before the restart", TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => cluster.Responder.Acknowledged.Count > 0, "feedback flows before the restart", TimeSpan.FromSeconds(30));

        var stoppedAt = cluster.Time.GetTimestamp();
        await postgres.StopAsync();
        // Polled from the moment the server is down, while it starts again: only acknowledgements after the stop count.
        var recovering = cluster.WaitUntilEveryDeviceAppliesAsync(cluster.Time.GetTimestamp(), "every device applies readings after PostgreSQL stopped",
            TimeSpan.FromSeconds(60));
        try
        {
            await postgres.RestartAsync();
        }
        finally
        {
            await recovering.ContinueWith(_ => { }, TaskScheduler.Default); // not left polling a cluster being disposed
        }
        var restarted = cluster.Time.GetElapsedTime(stoppedAt);
        var recovered = await recovering;

        cluster.Silos.Should().OnlyContain(s => s.IsRunning, "the silos ride out the database restart");
        (await cluster.Grains.GetGrain<IRulesGrain>(GrainKeys.Global).GetVersionAsync()).Should().BeGreaterThan(0, "the cluster client still works");
        await cluster.WaitUntilEveryDeviceAppliesAsync(cluster.Time.GetTimestamp(), "every device keeps applying readings", TimeSpan.FromSeconds(20));
        await cluster.StopLoadAsync();
        output.WriteLine($"PostgreSQL accepting connections again {restarted.TotalSeconds:0.00} s after the stop began; every device applying again " +
            $"{recovered.TotalSeconds:0.00} s after it was down; {await cluster.AssertNothingLostAsync()}");
    }
}
