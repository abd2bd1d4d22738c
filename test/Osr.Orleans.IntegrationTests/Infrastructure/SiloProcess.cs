using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// The built silo (<c>src/Silo/bin/Release/net10.0/Osr.Orleans.Silo.dll</c>) as a real child
/// process, configured with <c>--Osr:…</c> arguments: started, waited for until its gateway and
/// MQTT ports accept connections, killed (SIGKILL, a crash) or stopped (SIGTERM, a deploy), and
/// started again on the same data directory. Its output is kept for failure messages.
/// <para>Each start takes fresh silo, gateway and MQTT ports unless fixed in
/// <see cref="Settings"/>; the data and model directories stay. Several instances with the same
/// <c>Osr:Cluster:*</c> and storage settings form one cluster.</para>
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public SiloProcess(string name, IReadOnlyDictionary<string, string?>? settings = null, string? dataPath = null)
    {
        Name = name;
        DataPath = dataPath ?? TempDirectory.Create("osr-silo-data");
        ModelsPath = Path.Combine(DataPath, "models");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) Settings[key] = value;
    }

    /// <summary>The built silo; the tests run after <c>dotnet build -c Release</c> of the solution.</summary>
    public static string SiloDll { get; } = Path.Combine(RepoPaths.Root, "src", "Silo", "bin", "Release", "net10.0", "Osr.Orleans.Silo.dll");

    public string Name { get; }
    public string DataPath { get; }
    public string ModelsPath { get; }

    /// <summary>Extra <c>--Key=value</c> settings, applied after the defaults of each start.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int MqttPort { get; private set; }
    public int GatewayPort { get; private set; }
    public int SiloPort { get; private set; }

    /// <summary>The ops HTTP port (health, metrics).</summary>
    public int OpsPort { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Everything the process wrote to stdout and stderr, across starts.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts the process and waits (default 60 s) until its gateway, MQTT and ops ports (unless off) accept connections.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        Start();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                if (_process!.HasExited)
                    throw new InvalidOperationException($"silo {Name} exited with {_process.ExitCode} while starting:\n{Output}");
                return await AcceptsAsync(GatewayPort) && await AcceptsAsync(MqttPort) && (OpsPort == 0 || await AcceptsAsync(OpsPort));
            }, $"silo {Name} accepts connections on gateway {GatewayPort}, MQTT {MqttPort} and ops {OpsPort}", timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Output}", e);
        }
    }

    /// <summary>Starts the process without waiting (for silos expected to refuse their configuration).</summary>
    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"silo {Name} is already running");
        MqttPort = Fixed("Osr:Mqtt:Port") ?? FreePort.Next();
        GatewayPort = Fixed("Osr:Cluster:GatewayPort") ?? FreePort.Next();
        SiloPort = Fixed("Osr:Cluster:SiloPort") ?? FreePort.Next();
        OpsPort = Fixed("Osr:Ops:Port") ?? FreePort.Next();
        var arguments = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Osr:Mqtt:Port"] = Text(MqttPort),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            // Every test device connects from 127.0.0.1: the per-address connect rate is for real networks (FrontDoorTests set it).
            ["Osr:Mqtt:ConnectRatePerAddress"] = "0",
            ["Osr:Cluster:SiloPort"] = Text(SiloPort),
            ["Osr:Cluster:GatewayPort"] = Text(GatewayPort),
            ["Osr:Ops:Port"] = Text(OpsPort),
            ["Osr:Ops:BindAddress"] = "127.0.0.1",
            ["Osr:Data:Path"] = DataPath,
            ["Osr:Models:Path"] = ModelsPath,
        };
        foreach (var (key, value) in Settings) arguments[key] = value;

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataPath,
        };
        info.ArgumentList.Add(SiloDll);
        foreach (var (key, value) in arguments)
            if (value is not null) info.ArgumentList.Add($"--{key}={value}");
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        Append($"--- start {Name}: gateway {GatewayPort}, MQTT {MqttPort}, silo {SiloPort}, ops {OpsPort}, data {DataPath}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Append(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Append(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start silo {Name}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose();
        _process = process;
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash; nothing is flushed or checkpointed.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
        Append($"--- killed {Name}");
    }

    /// <summary>SIGTERM and a wait (default 40 s) for the graceful shutdown; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (_process is null) throw new InvalidOperationException($"silo {Name} was never started");
        if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"SIGTERM to silo {Name} failed: errno {Marshal.GetLastPInvokeError()}");
        await WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(40));
        Append($"--- stopped {Name}: exit {_process.ExitCode}");
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to end by itself (e.g. refusing its configuration); returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process!.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"silo {Name} did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try { Directory.Delete(DataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private int? Fixed(string key) =>
        Settings.TryGetValue(key, out var value) && value is not null ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private void Append(string line)
    {
        lock (_output) _output.AppendLine(line);
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
