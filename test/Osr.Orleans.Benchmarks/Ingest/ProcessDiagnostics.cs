using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>GC and thread-pool behaviour of one process during a measured window.</summary>
internal sealed record ProcessDiagnostics(
    int Gen0, int Gen1, int Gen2, double PauseTotalMs, double PauseMaxMs, int PausesOver10Ms, int PausesOver50Ms,
    int MaxThreadPoolThreads, long MaxThreadPoolQueue, double WorkItemsPerSecond, long LockContentions, long AllocatedBytes, double Seconds);

/// <summary>
/// Watches a .NET process from the outside through EventPipe (the diagnostics IPC channel every .NET process
/// opens; what dotnet-trace and dotnet-counters use), so the processes under test run unchanged: the runtime's
/// GC events (every stop-the-world pause, from SuspendEE begin to RestartEE end, and each GC's generation)
/// and the <c>System.Runtime</c> event counters once a second (thread-pool threads, queue length and completed
/// items, lock contentions, bytes allocated). <see cref="BeginWindow"/> / <see cref="EndWindow"/> bracket
/// a measured window.
/// </summary>
internal sealed class RuntimeMonitor : IDisposable
{
    private readonly EventPipeSession _session;
    private readonly Thread _thread;
    private readonly Lock _lock = new();
    private readonly TextWriter? _gcLog;
    private readonly string _name;
    private bool _open;
    private DateTime _openedAt;
    private double _suspendStart = -1;
    private int _lastDepth;
    private int _lastReason;
    private readonly int[] _gcs = new int[3];
    private double _pauseTotal, _pauseMax;
    private int _over10, _over50;
    private int _maxThreads;
    private long _maxQueue;
    private double _completed, _contentions, _allocated;
    private readonly Dictionary<string, long> _allocationsByType = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _exceptions = new(StringComparer.Ordinal);

    /// <summary>Exceptions thrown during the last window, by type and message.</summary>
    public IReadOnlyList<(string Exception, long Count)> Exceptions { get; private set; } = [];

    /// <summary>Sampled allocation volume by type during the last window (only with allocation sampling), largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> AllocationsByType { get; private set; } = [];

    private RuntimeMonitor(string name, EventPipeSession session, TextWriter? gcLog)
    {
        _name = name;
        _session = session;
        _gcLog = gcLog;
        _thread = new Thread(Process) { IsBackground = true, Name = "runtime-monitor " + name };
        _thread.Start();
    }

    /// <summary>Attaches to <paramref name="pid"/> (retrying while its runtime starts up); null when it cannot.</summary>
    /// <param name="allocationTypes">Also sample allocations by type (GC AllocationTick, every ~100 KB; a little overhead).</param>
    public static async Task<RuntimeMonitor?> TryStartAsync(string name, int pid, TextWriter? gcLog, bool allocationTypes = false)
    {
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", allocationTypes ? EventLevel.Verbose : EventLevel.Informational, (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.Exception)),
            new EventPipeProvider("System.Runtime", EventLevel.Informational, 0,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" }),
        };
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
                return new RuntimeMonitor(name, session, gcLog);
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or UnsupportedCommandException or TimeoutException or EndOfStreamException or IOException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        return null;
    }

    public void BeginWindow()
    {
        lock (_lock)
        {
            Array.Clear(_gcs);
            _pauseTotal = _pauseMax = 0;
            _over10 = _over50 = 0;
            _maxThreads = 0;
            _maxQueue = 0;
            _completed = _contentions = _allocated = 0;
            _allocationsByType.Clear();
            _exceptions.Clear();
            _openedAt = DateTime.UtcNow;
            _open = true;
        }
    }

    public ProcessDiagnostics EndWindow()
    {
        lock (_lock)
        {
            _open = false;
            Exceptions = [.. _exceptions.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value))];
            AllocationsByType = [.. _allocationsByType.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value))];
            var seconds = (DateTime.UtcNow - _openedAt).TotalSeconds;
            return new ProcessDiagnostics(_gcs[0], _gcs[1], _gcs[2], _pauseTotal, _pauseMax, _over10, _over50, _maxThreads, _maxQueue,
                seconds > 0 ? _completed / seconds : 0, (long)_contentions, (long)_allocated, seconds);
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or IOException or EndOfStreamException or TimeoutException)
        {
            // The process is gone; so is the session.
        }

        _session.Dispose();
    }

    private void Process()
    {
        try
        {
            using var source = new EventPipeEventSource(_session.EventStream);
            source.Clr.GCStart += e =>
            {
                lock (_lock)
                {
                    _lastDepth = Math.Clamp(e.Depth, 0, 2);
                    _lastReason = (int)e.Reason;
                    if (_open) _gcs[_lastDepth]++;
                }
            };
            source.Clr.GCSuspendEEStart += e => _suspendStart = e.TimeStampRelativeMSec;
            source.Clr.GCRestartEEStop += e =>
            {
                if (_suspendStart < 0) return;
                var ms = e.TimeStampRelativeMSec - _suspendStart;
                _suspendStart = -1;
                lock (_lock)
                {
                    _gcLog?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   [{_name}] {e.TimeStamp:HH:mm:ss.fff} GC gen{_lastDepth} (reason {_lastReason}) pause {ms:0.0} ms"));
                    if (!_open) return;
                    _pauseTotal += ms;
                    _pauseMax = Math.Max(_pauseMax, ms);
                    if (ms > 10) _over10++;
                    if (ms > 50) _over50++;
                }
            };
            source.Clr.GCAllocationTick += e =>
            {
                lock (_lock)
                {
                    if (!_open) return;
                    var type = e.TypeName ?? "?";
                    _allocationsByType[type] = _allocationsByType.GetValueOrDefault(type) + e.AllocationAmount64;
                }
            };
            source.Clr.ExceptionStart += e =>
            {
                lock (_lock)
                {
                    if (!_open) return;
                    var key = $"{e.ExceptionType}: {e.ExceptionMessage}";
                    if (key.Length > 160) key = key[..160];
                    _exceptions[key] = _exceptions.GetValueOrDefault(key) + 1;
                }
            };
            source.Dynamic.All += OnDynamicEvent;
            source.Process();
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended or the session was stopped.
        }
    }

    private void OnDynamicEvent(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
            || outer.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> counter) return;
        var name = counter.TryGetValue("Name", out var n) ? n as string : null;
        double Value(string key) => counter.TryGetValue(key, out var v) ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : 0;
        lock (_lock)
        {
            if (!_open) return;
            switch (name)
            {
                case "threadpool-thread-count":
                    _maxThreads = Math.Max(_maxThreads, (int)Value("Max"));
                    break;
                case "threadpool-queue-length":
                    _maxQueue = Math.Max(_maxQueue, (long)Value("Max"));
                    break;
                case "threadpool-completed-items-count":
                    _completed += Value("Increment");
                    break;
                case "monitor-lock-contention-count":
                    _contentions += Value("Increment");
                    break;
                case "alloc-rate":
                    _allocated += Value("Increment");
                    break;
            }
        }
    }
}
