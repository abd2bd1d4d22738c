using System.Globalization;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>GC and thread-pool behaviour of one process during a measured window (from its <see cref="StartupHook"/> file).</summary>
internal sealed record ProcessDiagnostics(
    int Gen0, int Gen1, int Gen2, double PauseTotalMs, double PauseMaxMs, int PausesOver10Ms, int PausesOver50Ms,
    int MaxThreadPoolThreads, long MaxThreadPoolQueue, double WorkItemsPerSecond, long LockContentions, long MaxHeapBytes)
{
    /// <summary>The startup hook and the directory it writes to, for a child process's environment.</summary>
    public static Dictionary<string, string> Environment(string dir, string benchmarkDll) => new(StringComparer.Ordinal)
    {
        ["DOTNET_STARTUP_HOOKS"] = benchmarkDll,
        ["OSR_BENCH_DIAG_DIR"] = dir,
    };

    /// <summary>Reads <c>{dir}/{pid}.diag</c> and summarises the lines between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public static ProcessDiagnostics? Read(string dir, int pid, DateTimeOffset from, DateTimeOffset to)
    {
        var path = Path.Combine(dir, $"{pid}.diag");
        string[] lines;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return null;
        }

        var rows = new List<double[]>();
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split(' ');
            if (parts.Length < 13) continue;
            var row = parts.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            if (row[0] >= from.ToUnixTimeMilliseconds() && row[0] <= to.ToUnixTimeMilliseconds()) rows.Add(row);
        }

        if (rows.Count < 2) return null;
        var first = rows[0];
        var last = rows[^1];
        var seconds = (last[0] - first[0]) / 1000.0;
        return new ProcessDiagnostics(
            (int)(last[1] - first[1]), (int)(last[2] - first[2]), (int)(last[3] - first[3]),
            last[4] - first[4], rows.Skip(1).Max(r => r[5]), (int)(last[6] - first[6]), (int)(last[7] - first[7]),
            (int)rows.Max(r => r[8]), (long)rows.Max(r => r[9]), seconds > 0 ? (last[10] - first[10]) / seconds : 0,
            (long)(last[11] - first[11]), (long)rows.Max(r => r[12]));
    }
}
