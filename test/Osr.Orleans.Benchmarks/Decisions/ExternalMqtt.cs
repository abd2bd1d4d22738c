using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using Osr.Orleans.Benchmarks.Ingest;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>
/// The decisions benchmark's External mode (<c>--mqtt external</c>): a Mosquitto started by <c>scripts/broker.sh</c> on a
/// free loopback port in its own directory (<c>BROKER_DIR</c>), the silo's settings for it, and the silo's readiness
/// (<c>/health/ready</c> on an ops port of its own: 503 while the silo is not connected to the broker). Device accounts of
/// large fleets go into the broker's dynamic-security file while it is stopped (<see cref="AccountsFile"/>, docs/operations.md
/// "External broker: large fleets"): <see cref="StopAsync"/>, write, <see cref="StartAsync"/>, <see cref="WaitForSiloAsync"/>.
/// The broker runs as a daemon (not a child process): it is stopped with <c>scripts/broker.sh stop</c>, and by its PID
/// (<see cref="Kill"/>) when that fails or the driver exits abnormally.
/// </summary>
internal sealed class ExternalMqtt : IAsyncDisposable
{
    public const string SiloUser = "osr-silo-bench";

    private readonly Paths _paths;
    private readonly TextWriter _log;
    private readonly string _password = Convert.ToHexString(Guid.NewGuid().ToByteArray());
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private ExternalMqtt(Paths paths, string directory, TextWriter log)
    {
        _paths = paths;
        Directory = directory;
        _log = log;
    }

    public int Port { get; } = Target.FreePort();

    /// <summary>The silo's ops port (for <c>/health/ready</c>).</summary>
    public int OpsPort { get; } = Target.FreePort();

    public string Directory { get; }

    /// <summary>The dynamic-security plugin's file, which <c>--broker-file</c> writes while the broker is stopped.</summary>
    public string AccountsFile => Path.Combine(Directory, "dynamic-security.json");

    /// <summary>The PID of the running broker (from its PID file); null when it is stopped.</summary>
    public int? Pid { get; private set; }

    /// <summary>The silo arguments of External mode against this broker (after the benchmark's own: they win).</summary>
    public string[] SiloArgs =>
    [
        "--Osr:Mqtt:Mode=External", $"--Osr:Mqtt:Brokers:0=127.0.0.1:{Port}", $"--Osr:Mqtt:Username={SiloUser}", $"--Osr:Mqtt:Password={_password}",
        // The ops port only for /health/ready; without the dashboard, which the embedded runs do not have either.
        $"--Osr:Ops:Port={OpsPort}", "--Osr:Ops:BindAddress=127.0.0.1", "--Osr:Ops:Dashboard=false",
    ];

    /// <summary>The Mosquitto version line (for the report).</summary>
    public static string Version()
    {
        var text = ProcStats.Run("mosquitto", "-h");
        return text.Split('\n').FirstOrDefault(l => l.StartsWith("mosquitto version", StringComparison.Ordinal))?.Trim() ?? "mosquitto";
    }

    public static async Task<ExternalMqtt> StartNewAsync(Paths paths, string directory, TextWriter log, CancellationToken ct)
    {
        var broker = new ExternalMqtt(paths, directory, log);
        await broker.StartAsync(ct).ConfigureAwait(false);
        return broker;
    }

    /// <summary><c>scripts/broker.sh</c>: starts the broker (it keeps its directory's dynamic-security file); returns once it accepts connections.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await ScriptAsync("start", ct).ConfigureAwait(false);
        Pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(Directory, "mosquitto.pid"), ct).ConfigureAwait(false)).Trim(), CultureInfo.InvariantCulture);
        await _log.WriteLineAsync($"   mosquitto started on 127.0.0.1:{Port} (PID {Pid}) in {clock.Elapsed.TotalSeconds:0.0} s").ConfigureAwait(false);
    }

    /// <summary><c>scripts/broker.sh stop</c> (SIGTERM: the broker saves its persistence).</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (Pid is null) return;
        await ScriptAsync("stop", ct).ConfigureAwait(false);
        await _log.WriteLineAsync($"   mosquitto (PID {Pid}) stopped").ConfigureAwait(false);
        Pid = null;
    }

    /// <summary>Waits until the silo's <c>/health/ready</c> answers 200 (connected and subscribed to the broker).</summary>
    public async Task WaitForSiloAsync(TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var url = new Uri($"http://127.0.0.1:{OpsPort}/health/ready");
        string last = "no answer";
        while (clock.Elapsed < limit)
        {
            try
            {
                using var response = await _http.GetAsync(url, ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    await _log.WriteLineAsync($"   silo ready (connected to the broker) after {clock.Elapsed.TotalSeconds:0.0} s").ConfigureAwait(false);
                    return;
                }

                last = $"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = ex.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"the silo was not ready within {limit.TotalSeconds:0} s of the broker's start: {last}");
    }

    /// <summary>Kills the broker by its PID (SIGKILL): the driver is stopping abnormally.</summary>
    public void Kill()
    {
        if (Pid is not { } pid) return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }

        Pid = null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await _log.WriteLineAsync($"   {ex.Message}; killing mosquitto by its PID").ConfigureAwait(false);
            Kill();
        }

        _http.Dispose();
    }

    private async Task ScriptAsync(string command, CancellationToken ct)
    {
        var info = new ProcessStartInfo(Path.Combine(_paths.RepoRoot, "scripts", "broker.sh"), command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["MQTT_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
                ["BROKER_DIR"] = Directory,
                ["OSR_BROKER_USER"] = SiloUser,
                ["OSR_BROKER_PASSWORD"] = _password,
            },
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start scripts/broker.sh");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            ct.ThrowIfCancellationRequested();
            throw new InvalidOperationException($"scripts/broker.sh {command} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/broker.sh {command} exited with {process.ExitCode}: {(await stdout.ConfigureAwait(false)).Trim()} {(await stderr.ConfigureAwait(false)).Trim()}");
    }
}
