using System.Diagnostics;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A real Mosquitto on a free loopback port, configured from deploy/mosquitto by scripts/broker.sh (dynamic security,
/// the silos' account), in its own directory; stopped by its PID.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    public const string SiloUser = "osr-silo-test";
    public const string SiloPassword = "silo-test-password";

    private MosquittoBroker(int port, string directory, int pid)
    {
        Port = port;
        Directory = directory;
        Pid = pid;
    }

    public int Port { get; }
    public string Directory { get; }
    public int Pid { get; private set; }

    public static async Task<MosquittoBroker> StartAsync()
    {
        var port = FreePort.Next();
        var directory = TempDirectory.Create("osr-broker");
        return new MosquittoBroker(port, directory, await RunScriptAsync(port, directory));
    }

    /// <summary>Stops the broker (SIGTERM: it saves its persistence) and starts it again on the same port and directory.</summary>
    public async Task RestartAsync()
    {
        await RunScriptAsync(Port, Directory, "stop");
        Pid = await RunScriptAsync(Port, Directory);
    }

    /// <summary>The dynamic-security plugin's file (read by the broker at start).</summary>
    public string DynamicSecurityFile => Path.Combine(Directory, "dynamic-security.json");

    private static async Task<int> RunScriptAsync(int port, string directory, string command = "start")
    {
        var start = new ProcessStartInfo(RepoPaths.Script("broker.sh"), command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["MQTT_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["BROKER_DIR"] = directory,
                ["OSR_BROKER_USER"] = SiloUser,
                ["OSR_BROKER_PASSWORD"] = SiloPassword,
            },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"scripts/broker.sh {command} failed ({process.ExitCode}): {await stdout}{await stderr}");
        if (command == "stop") return 0;
        return int.Parse(File.ReadAllText(Path.Combine(directory, "mosquitto.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The silo settings of External mode against this broker.</summary>
    public Dictionary<string, string?> SiloSettings(string siloName) => new()
    {
        ["Osr:Mqtt:Mode"] = "External",
        ["Osr:Mqtt:Brokers:0"] = $"127.0.0.1:{Port}",
        ["Osr:Mqtt:Username"] = SiloUser,
        ["Osr:Mqtt:Password"] = SiloPassword,
        ["Osr:Cluster:SiloName"] = siloName,
    };

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StopAsync()
    {
        try
        {
            using var process = Process.GetProcessById(Pid);
            process.Kill();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }
}
