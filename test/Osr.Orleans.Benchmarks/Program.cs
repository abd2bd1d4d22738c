using BenchmarkDotNet.Running;

namespace Osr.Orleans.Benchmarks;

/// <summary>
/// Micro-benchmarks (BenchmarkDotNet): <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- --filter '*Kalman*'</c>.
/// The end-to-end MQTT ingest load test: <c>… -- ingest --help</c> (see docs/benchmarks.md).
/// Timed ALS benchmarks: <c>… -- als-train | als-topn | als-quality</c> (see docs/recommendation.md).
/// The durable cluster (1, 2, 3 silos on a private PostgreSQL): <c>… -- cluster --full | --smoke | run …</c> (see docs/benchmarks.md "Cluster").
/// Hostile connections against the broker's front door: <c>… -- hostile [--sockets N] [--waves W]</c> (see docs/benchmarks.md "Hostile connections").
/// What cluster TLS costs a grain call: <c>… -- tls-calls</c> (see docs/benchmarks.md "Cluster TLS").
/// Write cost of the stores (SQLite, PostgreSQL): <c>… -- store-writes [--connection CS]</c> (see docs/benchmarks.md "Storage").
/// The docs' pictures: <c>… -- features-plot | notifications-plot</c> (see docs/features.md, docs/notifications.md);
/// <c>… -- ingest-p99-plot CSV PNG</c> (docs/benchmarks.md, "Ingest: embedded vs external vs bare Mosquitto").
/// </summary>
public static class Program
{
    private const string Gen0SizeVariable = "DOTNET_GCgen0size";
    private const string Gen0Size = "0x5000000";

    public static async Task<int> Main(string[] args)
    {
        // The processes the load tests start (silo, load generator, probes) inherit this: the same
        // 80 MB gen-0 budget as scripts/demo.sh and deploy/k8s, whatever cache size this CPU reports.
        if (Environment.GetEnvironmentVariable(Gen0SizeVariable) is null) Environment.SetEnvironmentVariable(Gen0SizeVariable, Gen0Size);
        if (args.Length > 0 && args[0] == "ingest") return await Ingest.IngestBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "hostile") return await Door.HostileBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "checkpoint") return await Storage.CheckpointBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "decisions") return await Decisions.DecisionsBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "cluster") return await Cluster.ClusterBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "tls-calls") return await Cluster.TlsCallBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "store-writes") return await Storage.StoreWriteBenchmark.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "ingest-p99-plot") return Pictures.IngestP99Plot.Run(args);
        if (Pictures.DocPictures.Handles(args)) return await Pictures.DocPictures.RunAsync(args);
        if (args.Length > 0 && args[0] == "learning-plot") return Recommendation.LearningPlot.Run(args);
        if (args.Length > 0 && args[0] == "propensity-planted") return Recommendation.PlantedPropensity.Run(args);
        if (args.Length > 0 && args[0].StartsWith("als-", StringComparison.Ordinal)) return Recommendation.AlsBenchmarks.Run(args);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
