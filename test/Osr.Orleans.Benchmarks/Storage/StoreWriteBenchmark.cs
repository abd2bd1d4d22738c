using System.Diagnostics;
using System.Globalization;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Storage;

namespace Osr.Orleans.Benchmarks.Storage;

/// <summary>
/// Write cost of the decision log and the interaction log on the embedded SQLite files and on
/// PostgreSQL (docs/benchmarks.md "Storage"):
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- store-writes [--rows N] [--connection CS]</c>.
/// For each store and backend: <b>single</b> — one write at a time, each awaited before the next
/// (one commit per row: the latency of one logged decision); <b>concurrent</b> — N writes of one
/// row issued at once, as many grains logging together (group commit); and for interactions
/// <b>list</b> — one call with N rows (an import). Reports µs per row and rows/s. Every write is
/// durable when its task completes (SQLite WAL with synchronous=NORMAL; PostgreSQL as configured).
/// </summary>
public static class StoreWriteBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = 2000;
        string? connection = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0:
                    rows = n;
                    i++;
                    break;
                case "--connection" when i + 1 < args.Length:
                    connection = args[++i];
                    break;
                default:
                    Console.Error.WriteLine("usage: store-writes [--rows N] [--connection NPGSQL-CONNECTION-STRING]");
                    return 2;
            }
        }

        Console.WriteLine($"{"backend",-10} {"store",-12} {"mode",-11} {"rows",7} {"µs/row",9} {"rows/s",9}");
        var directory = Path.Combine(Path.GetTempPath(), "osr-store-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var sqlite = OsrStores.OpenSqlite(Path.Combine(directory, "data"), Path.Combine(directory, "models")))
            {
                await sqlite.MigrateAsync();
                await RunAllAsync("sqlite", sqlite, rows);
            }
            if (connection is not null)
            {
                await using var postgres = OsrStores.OpenPostgreSql(connection);
                await postgres.MigrateAsync();
                await RunAllAsync("postgresql", postgres, rows);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private static async Task RunAllAsync(string backend, OsrStores stores, int rows)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        // Warm-up (connections, prepared statements, JIT), not reported.
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => stores.Decisions.AppendDecisionAsync(Decision($"warm-{run}-{i}", i))));
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => stores.Events.AppendInteractionsAsync([Interaction(i)])));

        // Sequential runs are bounded to keep the run short on a slow disk.
        var sequential = Math.Min(rows, 1000);
        await ReportAsync(backend, "decisions", "single", sequential, async () =>
        {
            for (var i = 0; i < sequential; i++) await stores.Decisions.AppendDecisionAsync(Decision($"s-{run}-{i}", i));
        });
        await ReportAsync(backend, "decisions", "concurrent", rows, () =>
            Task.WhenAll(Enumerable.Range(0, rows).Select(i => stores.Decisions.AppendDecisionAsync(Decision($"c-{run}-{i}", i)))));
        await ReportAsync(backend, "interactions", "single", sequential, async () =>
        {
            for (var i = 0; i < sequential; i++) await stores.Events.AppendInteractionsAsync([Interaction(i)]);
        });
        await ReportAsync(backend, "interactions", "concurrent", rows, () =>
            Task.WhenAll(Enumerable.Range(0, rows).Select(i => stores.Events.AppendInteractionsAsync([Interaction(i)]))));
        await ReportAsync(backend, "interactions", "list", rows, () =>
            stores.Events.AppendInteractionsAsync(Enumerable.Range(0, rows).Select(Interaction).ToArray()));
    }

    private static async Task ReportAsync(string backend, string store, string mode, int rows, Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        await work();
        watch.Stop();
        var perRow = watch.Elapsed.TotalMicroseconds / rows;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{backend,-10} {store,-12} {mode,-11} {rows,7} {perRow,9:0.0} {rows / watch.Elapsed.TotalSeconds,9:0}"));
    }

    private static InteractionRecord Interaction(int i) => new($"u-{i % 500}", $"item-{i % 300}", InteractionAction.View, 638_000_000_000_000_000 + i);

    private static DecisionRecord Decision(string id, int i) => new(
        DecisionId: id, UserId: $"u-{i % 500}", ItemId: $"item-{i % 300}", Category: "drinks", Label: "post-workout",
        Features: Enumerable.Range(0, 13).Select(f => f * 0.5 + i).ToArray(),
        DecidedUtcTicks: 638_000_000_000_000_000 + i, StateUtcTicks: 638_000_000_000_000_000 + i - 30_000_000,
        Outcome: DecisionOutcomes.Sent, Reason: "", Affinity: 1.7, Propensity: 0.42, Raw: 0.71, Osr: 0.91, Threshold: 0.75,
        SendProbability: 1, PropensityVersion: "p-3", AlsVersion: "als-12", Arm: "a", Segment: "powerlifting");
}
