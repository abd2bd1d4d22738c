using System.Diagnostics;
using System.Globalization;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>CPU time and resident memory of a process, read from Linux <c>/proc</c>.</summary>
internal static class ProcStats
{
    private static readonly Lazy<long> ClockTicksPerSecond = new(() => long.TryParse(Run("getconf", "CLK_TCK").Trim(), out var t) && t > 0 ? t : 100);

    /// <summary>VmRSS of <paramref name="pid"/> in bytes (0 when the process is gone).</summary>
    public static long RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    /// <summary>Busy CPU time of the whole machine so far (all cores; user + nice + system + irq + softirq + steal), from /proc/stat.</summary>
    public static double MachineBusySeconds()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return busy / 100.0;   // USER_HZ
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>The parent of <paramref name="pid"/>; 0 when it is gone.</summary>
    public static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The direct children of <paramref name="pid"/> (e.g. a PostgreSQL postmaster's backends), from /proc.</summary>
    public static List<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var child)) continue;
            if (ParentOf(child) == pid) children.Add(child);
        }

        return children;
    }

    /// <summary>
    /// User + system CPU time of <paramref name="pid"/> so far (all threads); with <paramref name="reapedChildren"/>, plus that of
    /// its children that exited and were waited for (a PostgreSQL postmaster's closed backends).
    /// </summary>
    public static TimeSpan CpuTime(int pid, bool reapedChildren = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // field 3 (state) is fields[0]
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (reapedChildren) ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond.Value);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Open file descriptors of <paramref name="pid"/>.</summary>
    public static int OpenFiles(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>CPU time so far of every thread of <paramref name="pid"/>: thread id → (name, CPU time).</summary>
    public static Dictionary<int, (string Name, TimeSpan Cpu)> ThreadCpu(int pid)
    {
        var result = new Dictionary<int, (string, TimeSpan)>();
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            return result;
        }

        foreach (var dir in tasks)
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                result[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (name, TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond.Value));
            }
            catch (IOException)
            {
                // The thread ended.
            }
        }

        return result;
    }

    /// <summary>
    /// CPU used between two <see cref="ThreadCpu"/> samples, summed per thread name (numbers stripped, so all
    /// thread-pool workers are one line), in cores over <paramref name="seconds"/>, busiest first.
    /// </summary>
    public static List<(string Name, int Threads, double Cores)> ThreadCpuDelta(
        Dictionary<int, (string Name, TimeSpan Cpu)> before, Dictionary<int, (string Name, TimeSpan Cpu)> after, double seconds)
    {
        var groups = new Dictionary<string, (int Threads, double Seconds)>(StringComparer.Ordinal);
        foreach (var (tid, (name, cpu)) in after)
        {
            var used = (cpu - (before.TryGetValue(tid, out var b) ? b.Cpu : TimeSpan.Zero)).TotalSeconds;
            var key = name.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', '#').Trim();
            if (key.Length == 0) key = name;
            groups.TryGetValue(key, out var g);
            groups[key] = (g.Threads + 1, g.Seconds + used);
        }

        return [.. groups.Select(kv => (kv.Key, kv.Value.Threads, kv.Value.Seconds / seconds)).OrderByDescending(g => g.Item3)];
    }

    /// <summary>Runs a command and returns its stdout ("" when it cannot be run).</summary>
    public static string Run(string file, string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) return "";
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
