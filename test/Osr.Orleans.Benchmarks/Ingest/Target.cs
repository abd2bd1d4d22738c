using System.Net;
using System.Net.Sockets;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Benchmarks.Ingest;

public enum TargetKind
{
    /// <summary>The real silo: embedded broker → DeviceGrain → UserStateGrain, PUBACK after apply.</summary>
    Grains,

    /// <summary>A bare MQTTnet broker that acknowledges and drops (<see cref="BareBroker"/>).</summary>
    Bare,
}

/// <summary>The silo's view of itself at one moment (from <see cref="IStatsGrain"/>, as <c>osr-admin stats --json</c> shows it).</summary>
internal sealed record SiloSample(long ReadingsAccepted, long MessagesReceived, SiloGauges? Gauges);

/// <summary>
/// The process under test, started on free loopback ports: the silo (<c>Osr.Orleans.Silo.dll</c> with
/// <c>--Osr:Mqtt:*</c> and <c>--Osr:Cluster:*</c> overrides) or the bare broker (this benchmark's
/// <c>ingest bare-broker</c>). Ready when it printed "Application started". For the silo, an Orleans client
/// reads the cluster counters and the silo's gauges (heap after the last GC, working set, active users and
/// devices, MQTT connections), the same data as <c>osr-admin stats --json</c>.
/// </summary>
internal sealed class Target : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private IClusterConnection? _cluster;

    private Target(TargetKind kind, ChildProcess process, int mqttPort, int gatewayPort)
    {
        Kind = kind;
        _process = process;
        MqttPort = mqttPort;
        GatewayPort = gatewayPort;
    }

    public TargetKind Kind { get; }

    /// <summary>GC and thread-pool events of the target (EventPipe); null if it could not be attached.</summary>
    public RuntimeMonitor? Monitor { get; private set; }
    public int Pid => _process.Pid;
    public int MqttPort { get; }
    public int GatewayPort { get; }
    public string Gateway => $"127.0.0.1:{GatewayPort}";
    public bool HasExited => _process.HasExited;
    public string Tail() => _process.Tail();

    public static async Task<Target> StartAsync(TargetKind kind, RunContext run, CancellationToken ct)
    {
        var paths = run.Paths;
        var environment = run.TargetEnvironment;
        var mqtt = FreePort();
        ChildProcess process;
        var gateway = 0;
        if (kind == TargetKind.Grains)
        {
            gateway = FreePort();
            var silo = FreePort();
            process = ChildProcess.StartDotnet("silo", paths.SiloDll,
            [
                $"--Osr:Mqtt:Port={mqtt}", "--Osr:Mqtt:BindAddress=127.0.0.1",
                // Every simulated device connects from loopback: no per-address connect rate, no connection cap in the way.
                "--Osr:Mqtt:ConnectRatePerAddress=0", "--Osr:Mqtt:MaxConnections=1000000",
                $"--Osr:Cluster:GatewayPort={gateway}", $"--Osr:Cluster:SiloPort={silo}", "--Osr:Ops:Port=0", .. run.SiloArgs,
            ], environment: environment);
        }
        else
        {
            process = ChildProcess.StartDotnet("bare broker", paths.BenchmarkDll, ["ingest", "bare-broker", "--port", $"{mqtt}", "--bind", "127.0.0.1"],
                environment: environment);
        }

        var target = new Target(kind, process, mqtt, gateway);
        try
        {
            await process.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            target.Monitor = await RuntimeMonitor.TryStartAsync(kind == TargetKind.Grains ? "silo" : "bare", process.Pid, run.GcLog ? Console.Error : null, run.AllocationTypes).ConfigureAwait(false);
            if (kind == TargetKind.Grains)
            {
                var endpoint = new EndpointParser.HostPort("127.0.0.1", gateway);
                target._cluster = await new OrleansClusterConnectionFactory()
                    .ConnectAsync(new ClusterTarget(ClusterMode.Static, gateway, endpoint, null), verbose: false, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return target;
    }

    /// <summary>The silo's counters and latest gauges; null for the bare broker or when the silo does not answer.</summary>
    public async Task<SiloSample?> SampleAsync()
    {
        if (_cluster is null) return null;
        try
        {
            var stats = await _cluster.Grains.GetGrain<IStatsGrain>(GrainKeys.Global).GetAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            return new SiloSample(stats.Totals[CounterNames.ReadingsAccepted], stats.Totals[CounterNames.MessagesReceived],
                stats.SiloHealth.Length > 0 ? stats.SiloHealth[0] : null);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return null;
        }
    }

    /// <summary>Registers a device through the silo (the flood devices); returns its secret.</summary>
    public async Task<string> RegisterAsync(string deviceId, string userId)
    {
        var cluster = _cluster ?? throw new InvalidOperationException("only the silo registers devices");
        var result = await cluster.Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, "watch").ConfigureAwait(false);
        return result.Ok ? result.Secret! : throw new InvalidOperationException($"cannot register {deviceId}: {result.Error}");
    }

    /// <summary>Waits until the silo reported gauges newer than now (it reports once a second), so a sample reflects the present.</summary>
    public async Task<SiloSample?> FreshSampleAsync()
    {
        if (_cluster is null) return null;
        var since = DateTimeOffset.UtcNow;
        for (var i = 0; i < 30; i++)
        {
            var s = await SampleAsync().ConfigureAwait(false);
            if (s?.Gauges is { } g && g.At > since) return s;
            await Task.Delay(200).ConfigureAwait(false);
        }

        return await SampleAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Monitor?.Dispose();
        if (_cluster is not null) await _cluster.DisposeAsync().ConfigureAwait(false);
        _cluster = null;
        await _process.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A TCP port on loopback that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Where the built programs are (all Release builds of this repository).</summary>
internal sealed record Paths(string RepoRoot, string SiloDll, string AdminDll, string BenchmarkDll)
{
    public static Paths Discover(string configuration = "Release")
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Osr.Orleans.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"cannot find Osr.Orleans.sln above {AppContext.BaseDirectory}");
        var root = dir.FullName;
        var paths = new Paths(root,
            Path.Combine(root, "src", "Silo", "bin", configuration, "net10.0", "Osr.Orleans.Silo.dll"),
            Path.Combine(root, "src", "Client", "bin", configuration, "net10.0", "osr-admin.dll"),
            typeof(IngestBenchmark).Assembly.Location);
        foreach (var f in new[] { paths.SiloDll, paths.AdminDll })
            if (!File.Exists(f)) throw new InvalidOperationException($"{f} is missing: build first (dotnet build -c {configuration} test/Osr.Orleans.Benchmarks)");
        return paths;
    }
}
