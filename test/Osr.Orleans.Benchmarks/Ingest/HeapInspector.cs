using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// Live-heap measurements of another .NET process, for memory per active user: <see cref="ForceFullGcAsync"/>
/// induces a blocking full GC through EventPipe (the runtime's GCHeapCollect keyword, as dotnet-gcdump does),
/// so "heap after the last GC" is the live size; <see cref="TypeBreakdown"/> then walks a heap dump of it with ClrMD
/// and sums object sizes by type.
/// </summary>
internal static class HeapInspector
{
    private const long GCHeapCollectKeyword = 0x800000;

    public static async Task ForceFullGcAsync(int pid)
    {
        var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCHeapCollectKeyword | 0x1) };
        using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
        var drain = Task.Run(async () =>
        {
            var buffer = new byte[81920];
            try
            {
                while (await session.EventStream.ReadAsync(buffer).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        session.Stop();
        await drain.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>Bytes and object counts by type name on the managed heap of <paramref name="pid"/>, largest first.</summary>
    /// <remarks>
    /// Read from a heap dump the process writes of itself (the runtime's createdump, asked through the diagnostics
    /// port), not by attaching: the driver is the silo's parent, and on Linux .NET's own SIGCHLD handling in the
    /// parent can take the ptrace stop that ClrMD's attach waits for, which then waits forever (dotnet/runtime#133736;
    /// seen here on 2026-12-07 under load).
    /// </remarks>
    public static List<(string Type, long Count, long Bytes)> TypeBreakdown(int pid)
    {
        var stats = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        var dump = Path.Combine(Path.GetTempPath(), $"osr-heap-{pid}-{Guid.NewGuid():N}.dmp");
        try
        {
            new DiagnosticsClient(pid).WriteDump(DumpType.WithHeap, dump);
            using var target = DataTarget.LoadDump(dump);
            using var runtime = target.ClrVersions[0].CreateRuntime();
            foreach (var obj in runtime.Heap.EnumerateObjects())
            {
                if (!obj.IsValid || obj.IsFree) continue;
                var name = obj.Type?.Name ?? "?";
                var s = stats.GetValueOrDefault(name);
                stats[name] = (s.Count + 1, s.Bytes + (long)obj.Size);
            }
        }
        finally
        {
            File.Delete(dump);
        }

        return [.. stats.Select(kv => (kv.Key, kv.Value.Count, kv.Value.Bytes)).OrderByDescending(t => t.Bytes)];
    }
}
