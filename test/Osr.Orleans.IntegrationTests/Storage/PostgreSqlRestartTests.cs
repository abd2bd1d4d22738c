using System.Collections.Concurrent;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Storage;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>The PostgreSQL stores across a restart of their server (a private real one, stopped and started under writes).</summary>
public sealed class PostgreSqlRestartTests
{
    [Fact]
    public async Task WritesDuringAServerRestartAreRetriedAndNoAcknowledgedOneIsLost()
    {
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateDatabaseAsync("osr_restart");
        await using var stores = OsrStores.OpenPostgreSql(connectionString);
        await stores.MigrateAsync();
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        // Four writers, as four grains logging decisions, each awaiting its write before the next.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = $"d-{w}-{i:D6}";
                await stores.Decisions.AppendDecisionAsync(Decision(id, i));
                acknowledged.Add(id);
            }
        })).ToArray();
        await Poll.UntilAsync(() => acknowledged.Count >= 200, "writes before the restart");
        await server.StopAsync();
        var beforeRestart = acknowledged.Count;
        await server.RestartAsync();
        await Poll.UntilAsync(() => acknowledged.Count >= beforeRestart + 200, "writes after the restart", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var stored = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var d in stores.Decisions.ReadSentDecisionsAsync(0, long.MaxValue)) stored.Add(d.Decision.DecisionId);
        stored.Should().BeEquivalentTo(acknowledged.ToHashSet(), "every acknowledged write is stored, and nothing else");
    }

    private static DecisionRecord Decision(string id, int i) => new(
        DecisionId: id, UserId: "u-7", ItemId: "drink-3", Category: "drinks", Label: "post-workout",
        Features: [1, double.NaN, 3], DecidedUtcTicks: 638_000_000_000_000_000 + i, StateUtcTicks: 638_000_000_000_000_000 + i,
        Outcome: DecisionOutcomes.Sent, Reason: "", Affinity: 1.7, Propensity: 0.42, Raw: 0.71, Osr: 0.91, Threshold: 0.75,
        SendProbability: 1, PropensityVersion: "p-3", AlsVersion: null, Arm: "a", Segment: null);
}
