using System.Collections.Concurrent;
using System.Diagnostics;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// A process started by the benchmark: its stdout and stderr are read line by line (so it never blocks
/// on a full pipe), the last lines of each are kept for diagnostics, and waiters can await a line that
/// matches a predicate. Every instance is tracked so that <see cref="KillAll"/> can end the ones still
/// running when the driver stops (by PID, never by name).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 40;
    private static readonly ConcurrentDictionary<int, ChildProcess> Running = new();

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lastOut = new();
    private readonly ConcurrentQueue<string> _lastErr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly Lock _lock = new();
    private readonly System.Text.StringBuilder? _stdout;
    private readonly Task _pumps;

    private ChildProcess(string name, Process process, bool captureStdout, Action<string>? onStderr)
    {
        Name = name;
        _process = process;
        _stdout = captureStdout ? new System.Text.StringBuilder() : null;
        _pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, _lastOut, _stdout, null),
            PumpAsync(process.StandardError, _lastErr, null, onStderr));
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything written to stdout (only with <c>captureStdout</c>), complete once the process exited.</summary>
    public string Stdout
    {
        get
        {
            lock (_lock) return _stdout?.ToString() ?? "";
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c>.</summary>
    public static ChildProcess StartDotnet(string name, string dll, IEnumerable<string> args, bool captureStdout = false,
        Action<string>? onStderr = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var child = new ChildProcess(name, process, captureStdout, onStderr);
        Running[process.Id] = child;
        return child;
    }

    /// <summary>Waits for a line on stdout or stderr matching <paramref name="match"/>; fails if the process exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken ct)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _waiters.Add((match, tcs));
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(timer.Token);
        var first = await Task.WhenAny(tcs.Task, exited).ConfigureAwait(false);
        if (first == tcs.Task) return await tcs.Task.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        throw new InvalidOperationException(_process.HasExited
            ? $"{Name} exited with code {_process.ExitCode} before it was ready:\n{Tail()}"
            : $"{Name} was not ready within {timeout.TotalSeconds:0} s:\n{Tail()}");
    }

    /// <summary>Waits for the process to exit by itself, at most <paramref name="timeout"/>; kills it after that.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
            await _pumps.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL if still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        try
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (kill is not null) await kill.WaitForExitAsync().ConfigureAwait(false);
            using var timer = new CancellationTokenSource(grace);
            await _process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>The last lines written to stderr.</summary>
    public string StderrTail() => string.Join('\n', _lastErr);

    public string Tail()
    {
        var lines = _lastErr.Concat(_lastOut).TakeLast(KeptLines);
        return string.Join('\n', lines.Select(l => "    | " + l));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        Running.TryRemove(_process.Id, out _);
        _process.Dispose();
    }

    /// <summary>The last JSON object a child printed on stdout (its result line); null when there is none or it does not parse.</summary>
    public static T? ParseLastJson<T>(string stdout, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        var start = stdout.LastIndexOf("\n{", StringComparison.Ordinal);
        var json = start >= 0 ? stdout[(start + 1)..] : stdout.StartsWith('{') ? stdout : null;
        if (json is null) return null;
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(json, type);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Kills every child still running (the driver is stopping abnormally).</summary>
    public static void KillAll()
    {
        foreach (var child in Running.Values) child.Kill();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task PumpAsync(StreamReader reader, ConcurrentQueue<string> last, System.Text.StringBuilder? all, Action<string>? onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            last.Enqueue(line);
            while (last.Count > KeptLines) last.TryDequeue(out _);
            onLine?.Invoke(line);
            lock (_lock)
            {
                all?.AppendLine(line);
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (!_waiters[i].Match(line)) continue;
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
