using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;
using System.Globalization;

/// <summary>
/// A .NET startup hook (<c>DOTNET_STARTUP_HOOKS=…/Osr.Orleans.Benchmarks.dll</c>) that the ingest benchmark
/// injects into the processes it starts (silo, bare broker, load generator) without changing them. With
/// <c>OSR_BENCH_DIAG_DIR</c> set, it appends one line per second to <c>{dir}/{pid}.diag</c>: GC counts per
/// generation, total and maximum GC pause (every stop-the-world pause, from the runtime's GC events through an
/// in-process <see cref="EventListener"/>), thread-pool threads and queue length, lock contentions, heap size.
/// The driver reads the file at the start and end of a measured window (see <c>ProcessDiagnostics</c>).
/// </summary>
[SuppressMessage("Design", "CA1050:Declare types in namespaces", Justification = "The runtime looks for a type named StartupHook in the global namespace.")]
internal static class StartupHook
{
    public static void Initialize()
    {
        var dir = Environment.GetEnvironmentVariable("OSR_BENCH_DIAG_DIR");
        if (string.IsNullOrEmpty(dir)) return;
        var path = Path.Combine(dir, $"{Environment.ProcessId}.diag");
        var listener = new GcPauseListener();
        var thread = new Thread(() => Write(path, listener)) { IsBackground = true, Name = "osr-bench-diag" };
        thread.Start();
    }

    private static void Write(string path, GcPauseListener listener)
    {
        using var writer = new StreamWriter(path, append: false) { AutoFlush = true };
        using var gcLog = Environment.GetEnvironmentVariable("OSR_BENCH_GC_LOG") == "1"
            ? new StreamWriter(Path.ChangeExtension(path, ".gc"), append: false) { AutoFlush = true }
            : null;
        long lastGc = -1;
        writer.WriteLine("unixMs gen0 gen1 gen2 pauseTotalMs pauseMaxMsLastSecond pausesOver10ms pausesOver50ms tpThreads tpPending tpCompleted lockContentions heapBytes");
        while (true)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} " +
                $"{GC.GetTotalPauseDuration().TotalMilliseconds:0.0} {listener.TakeMaxPauseMs():0.0} {listener.Over10} {listener.Over50} " +
                $"{ThreadPool.ThreadCount} {ThreadPool.PendingWorkItemCount} {ThreadPool.CompletedWorkItemCount} {Monitor.LockContentionCount} " +
                $"{GC.GetGCMemoryInfo().HeapSizeBytes}");
            writer.WriteLine(line);
            var gc = GC.GetGCMemoryInfo(GCKind.Any);
            if (gc.Index != lastGc && gcLog is not null)
            {
                lastGc = gc.Index;
                gcLog.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} #{gc.Index} gen{gc.Generation} pause {gc.PauseDurations[0].TotalMilliseconds:0.0} ms promoted {gc.PromotedBytes / 1024} KB pinned {gc.PinnedObjectsCount} " +
                    $"compacted {gc.Compacted} concurrent {gc.Concurrent} heap {gc.HeapSizeBytes / 1048576} MB fragmented {gc.FragmentedBytes / 1048576} MB handles? gen0 {gc.GenerationInfo[0].SizeAfterBytes / 1024} KB gen1 {gc.GenerationInfo[1].SizeAfterBytes / 1024} KB gen2 {gc.GenerationInfo[2].SizeAfterBytes / 1048576} MB"));
            }

            Thread.Sleep(1000);
        }
    }

    /// <summary>Times every GC suspension (SuspendEEBegin → RestartEEEnd) of this process.</summary>
    private sealed class GcPauseListener : EventListener
    {
        private const int SuspendEEBegin = 9;
        private const int RestartEEEnd = 3;
        private long _suspendedAt;
        private double _max;
        private int _over10;
        private int _over50;

        /// <summary>The longest pause since the previous call.</summary>
        public double TakeMaxPauseMs() => Interlocked.Exchange(ref _max, 0);
        public int Over10 => Volatile.Read(ref _over10);
        public int Over50 => Volatile.Read(ref _over50);

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventId == SuspendEEBegin)
            {
                Volatile.Write(ref _suspendedAt, e.TimeStamp.Ticks);
            }
            else if (e.EventId == RestartEEEnd && Volatile.Read(ref _suspendedAt) is var start and > 0)
            {
                var ms = (e.TimeStamp.Ticks - start) / (double)TimeSpan.TicksPerMillisecond;
                var max = Volatile.Read(ref _max);
                while (ms > max)
                {
                    var seen = Interlocked.CompareExchange(ref _max, ms, max);
                    if (seen == max) break;
                    max = seen;
                }
                if (ms > 10) Interlocked.Increment(ref _over10);
                if (ms > 50) Interlocked.Increment(ref _over50);
            }
        }
    }
}
