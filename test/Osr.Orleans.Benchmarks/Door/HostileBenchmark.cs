using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Osr.Orleans.Benchmarks.Ingest;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Benchmarks.Door;

/// <summary>
/// Hostile connections against a real silo (docs/benchmarks.md "Hostile connections"): legitimate devices publish
/// QoS 1 readings and time publish→PUBACK, first alone, then while waves of raw sockets each announce a huge CONNECT
/// (default 256 MiB) and push bytes of it (default 2 MiB); the silo's RSS is sampled throughout.
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- hostile [--sockets 200] [--send 2097152]
/// [--announce 268435455] [--devices 20] [--seconds 20] [--waves 1|0=until the phase ends] [--send-buffer BYTES] [--default-rate] [--silo-dll PATH]</c>
/// </summary>
internal static class HostileBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var sockets = Int(args, "--sockets", 200);
        var send = Int(args, "--send", 2 * 1024 * 1024);
        var announce = Int(args, "--announce", 268_435_455);
        var devices = Int(args, "--devices", 20);
        var seconds = Int(args, "--seconds", 20);
        var waves = Int(args, "--waves", 1);
        var sendBuffer = Int(args, "--send-buffer", 0);
        var defaultRate = args.Contains("--default-rate");
        var paths = Paths.Discover();
        var siloDll = Arg(args, "--silo-dll") ?? paths.SiloDll;

        var mqtt = Target.FreePort();
        var gateway = Target.FreePort();
        var data = Directory.CreateTempSubdirectory("osr-hostile-").FullName;
        await using var silo = ChildProcess.StartDotnet("silo", siloDll,
        [
            $"--Osr:Mqtt:Port={mqtt}", "--Osr:Mqtt:BindAddress=127.0.0.1",
            // One loopback address plays every peer: the per-address rate would stop the hostile sockets first;
            // it is off so that what is measured is the packet guard and the connect deadline.
            // --default-rate keeps the default rate (the legitimate devices connect before the attack and are not affected).
            defaultRate ? "--Osr:Mqtt:ConnectRatePerAddress=50" : "--Osr:Mqtt:ConnectRatePerAddress=0", "--Osr:Mqtt:MaxConnections=100000",
            $"--Osr:Cluster:GatewayPort={gateway}", $"--Osr:Cluster:SiloPort={Target.FreePort()}", "--Osr:Ops:Port=0",
            $"--Osr:Data:Path={data}", $"--Osr:Models:Path={Path.Combine(data, "models")}", "--Logging:LogLevel:Default=Warning",
        ]);
        await silo.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(90), CancellationToken.None);
        await using var cluster = await new OrleansClusterConnectionFactory().ConnectAsync(
            new ClusterTarget(ClusterMode.Static, gateway, new EndpointParser.HostPort("127.0.0.1", gateway), null), verbose: false, CancellationToken.None);

        var clients = new List<IMqttClient>();
        for (var i = 0; i < devices; i++)
        {
            var id = $"legit-{i}";
            var secret = (await cluster.Grains.GetGrain<IDeviceGrain>(id).RegisterAsync($"legit-user-{i}", "watch")).Secret!;
            var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqtt).WithClientId(id)
                .WithCredentials(id, secret).WithTimeout(TimeSpan.FromSeconds(30)).Build());
            clients.Add(client);
        }
        Console.Error.WriteLine($"hostile: silo pid {silo.Pid}, {devices} devices connected; load average {File.ReadAllText("/proc/loadavg").Trim()}");

        var seq = new long[devices];
        var quiet = await PhaseAsync(clients, seq, TimeSpan.FromSeconds(seconds), silo.Pid, attack: null);
        var attack = new AttackStats();
        var loud = await PhaseAsync(clients, seq, TimeSpan.FromSeconds(seconds), silo.Pid,
            stop => AttackAsync(mqtt, sockets, announce, send, waves, sendBuffer, attack, stop));
        var after = ProcStats.RssBytes(silo.Pid);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"""
            hostile sockets per wave {sockets}, announced {announce} B, pushing {send} B each, waves {attack.Waves}
            hostile connections opened {attack.Opened}, refused or closed by the silo {attack.ClosedByServer}, bytes taken by the attacker's send calls {attack.BytesSent}
            quiet:   publishes {quiet.Count}, p50 {quiet.P(0.50):0.0} ms, p99 {quiet.P(0.99):0.0} ms, max {quiet.Max:0.0} ms, failed {quiet.Failed}, RSS {quiet.RssStart / 1e6:0} MB → peak {quiet.RssPeak / 1e6:0} MB
            hostile: publishes {loud.Count}, p50 {loud.P(0.50):0.0} ms, p99 {loud.P(0.99):0.0} ms, max {loud.Max:0.0} ms, failed {loud.Failed}, RSS {loud.RssStart / 1e6:0} MB → peak {loud.RssPeak / 1e6:0} MB (+{(loud.RssPeak - loud.RssStart) / 1e6:0} MB), after {after / 1e6:0} MB
            load average {File.ReadAllText("/proc/loadavg").Trim()}
            """));
        foreach (var c in clients) c.Dispose();
        await silo.StopAsync(TimeSpan.FromSeconds(20));
        Directory.Delete(data, recursive: true);
        return 0;
    }

    private sealed class AttackStats
    {
        public long Opened;
        public long ClosedByServer;
        public long BytesSent;
        public int Waves;
    }

    private sealed record Phase(List<double> Latencies, long Failed, long RssStart, long RssPeak)
    {
        public int Count => Latencies.Count;
        public double Max => Latencies.Count == 0 ? double.NaN : Latencies[^1];
        public double P(double q) => Latencies.Count == 0 ? double.NaN : Latencies[Math.Min(Latencies.Count - 1, (int)Math.Ceiling(q * Latencies.Count) - 1)];
    }

    /// <summary>Every device publishes one reading every 250 ms for <paramref name="length"/>; the RSS is sampled every 100 ms.</summary>
    private static async Task<Phase> PhaseAsync(List<IMqttClient> clients, long[] seq, TimeSpan length, int pid, Func<CancellationToken, Task>? attack)
    {
        var rssStart = ProcStats.RssBytes(pid);
        var peak = rssStart;
        using var stop = new CancellationTokenSource(length);
        var latencies = new List<double>();
        long failed = 0;
        var attackTask = attack?.Invoke(stop.Token) ?? Task.CompletedTask;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, ProcStats.RssBytes(pid));
                await Task.Delay(100, CancellationToken.None);
            }
        });
        var publishers = clients.Select((client, i) => Task.Run(async () =>
        {
            var topic = $"osr/v1/devices/legit-{i}/readings";
            while (!stop.IsCancellationRequested)
            {
                var n = ++seq[i];
                var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $$"""{"seq":{{n}},"ts":"{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}}","hr":{{60 + n % 30}}}"""));
                var watch = Stopwatch.StartNew();
                try
                {
                    var ack = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                    if (ack.ReasonCode != MqttClientPublishReasonCode.Success) Interlocked.Increment(ref failed);
                    lock (latencies) latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                }
                var pause = TimeSpan.FromMilliseconds(250) - watch.Elapsed;
                if (pause > TimeSpan.Zero) await Task.Delay(pause, CancellationToken.None);
            }
        })).ToArray();
        await Task.WhenAll(publishers);
        await attackTask;
        await sampler;
        latencies.Sort();
        return new Phase(latencies, failed, rssStart, peak);
    }

    /// <summary>Waves of <paramref name="sockets"/> raw connections, each announcing <paramref name="announce"/> bytes and pushing <paramref name="send"/>.</summary>
    /// <paramref name="sendBuffer"/> &gt; 0 sets the sockets' send buffer (else the kernel's default, which takes megabytes
    /// per socket before anything is transmitted: the attacker then spends this machine's CPU copying into its own buffers).
    private static async Task AttackAsync(int port, int sockets, int announce, int send, int waves, int sendBuffer, AttackStats stats, CancellationToken stop)
    {
        var header = Header(announce);
        var chunk = new byte[64 * 1024];
        while (!stop.IsCancellationRequested && (waves == 0 || stats.Waves < waves))
        {
            stats.Waves++;
            await Task.WhenAll(Enumerable.Range(0, sockets).Select(_ => Task.Run(async () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                if (sendBuffer > 0) socket.SendBufferSize = sendBuffer;
                try
                {
                    await socket.ConnectAsync("127.0.0.1", port, stop);
                    Interlocked.Increment(ref stats.Opened);
                    await socket.SendAsync(header, stop);
                    for (var sent = 0; sent < send; sent += chunk.Length)
                    {
                        var n = await socket.SendAsync(chunk.AsMemory(0, Math.Min(chunk.Length, send - sent)), stop);
                        Interlocked.Add(ref stats.BytesSent, n);
                    }
                    // Hold the connection (as a slow attacker would) until the silo closes it or the phase ends.
                    var buffer = new byte[16];
                    if (await socket.ReceiveAsync(buffer, stop) == 0) Interlocked.Increment(ref stats.ClosedByServer);
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref stats.ClosedByServer);
                }
                catch (OperationCanceledException)
                {
                    // the phase ended with the connection still open
                }
            }, CancellationToken.None)));
        }
    }

    private static byte[] Header(int remainingLength)
    {
        var bytes = new List<byte> { 0x10 };
        do
        {
            var b = (byte)(remainingLength % 128);
            remainingLength /= 128;
            if (remainingLength > 0) b |= 0x80;
            bytes.Add(b);
        } while (remainingLength > 0);
        return [.. bytes];
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Arg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
