using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.Benchmarks.Cluster;

/// <summary>
/// What mutual TLS (<c>Osr:Cluster:Tls:*</c>) costs a grain call through the gateway: one silo and one console client in this
/// process on loopback, the same trivial call (<c>IRulesGrain.GetVersionAsync</c>) without and with TLS — sequential latency
/// (p50, p99, p99.9) and the throughput of 64 concurrent callers, each mode twice, alternated. Certificates are made for the run (ECDSA P-256).
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- tls-calls [--calls N] [--seconds S]</c>
/// </summary>
public static class TlsCallBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var calls = Option(args, "--calls", 20_000);
        var seconds = Option(args, "--seconds", 5);
        var directory = Directory.CreateTempSubdirectory("osr-tls-bench").FullName;
        try
        {
            var tls = MakeCertificates(directory);
            Console.WriteLine("mode   calls   p50 µs   p99 µs   p99.9 µs   concurrent calls/s");
            // Alternated (plain, tls, tls, plain), so that neither mode alone runs in the colder or the warmer process.
            var round = 0;
            foreach (var (mode, settings) in new[] { ("plain", new Dictionary<string, string?>()), ("tls", tls), ("tls", tls), ("plain", new Dictionary<string, string?>()) })
                Console.WriteLine(await MeasureAsync(mode, settings, calls, TimeSpan.FromSeconds(seconds), Path.Combine(directory, $"{mode}-{round++}")));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> MeasureAsync(string mode, Dictionary<string, string?> tls, int calls, TimeSpan duration, string dataPath)
    {
        var gateway = FreePort();
        var overrides = new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "Memory",
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            ["Osr:Cluster:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Osr:Cluster:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["Osr:Data:Path"] = dataPath,
            ["Osr:Models:Path"] = Path.Combine(dataPath, "models"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in tls) overrides[key] = value;
        using var silo = OsrSiloHost.CreateBuilder([], overrides).Build();
        await silo.StartAsync();
        try
        {
            var target = ClusterTarget.Resolve(new ConfigurationBuilder().AddInMemoryCollection(tls).Build(), $"127.0.0.1:{gateway}");
            await using var client = await new OrleansClusterConnectionFactory().ConnectAsync(target, verbose: false, CancellationToken.None);
            var rules = client.Grains.GetGrain<IRulesGrain>(GrainKeys.Global);
            for (var i = 0; i < 2_000; i++) await rules.GetVersionAsync();

            var latencies = new double[calls];
            for (var i = 0; i < calls; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await rules.GetVersionAsync();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            Array.Sort(latencies);

            long done = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
            {
                while (clock.Elapsed < duration)
                {
                    await rules.GetVersionAsync();
                    Interlocked.Increment(ref done);
                }
            }));
            var rate = done / clock.Elapsed.TotalSeconds;
            return string.Create(CultureInfo.InvariantCulture,
                $"{mode,-5} {calls,7} {At(latencies, 0.5),8:0} {At(latencies, 0.99),8:0} {At(latencies, 0.999),10:0} {rate,20:0}");
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    private static double At(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

    /// <summary>An authority, a silo certificate and a console certificate under <paramref name="directory"/>; the console's settings.</summary>
    private static Dictionary<string, string?> MakeCertificates(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=osr-bench-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        var caPath = Path.Combine(directory, "ca.crt");
        File.WriteAllText(caPath, ca.ExportCertificatePem());

        // One certificate for both ends: server and client authentication (the silo is both; the console only a client).
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=osr-bench", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(ca, now.AddMinutes(-30), now.AddHours(12), RandomNumberGenerator.GetBytes(12));
        var certificate = Path.Combine(directory, "bench.crt");
        var keyPath = Path.Combine(directory, "bench.key");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new()
        {
            ["Osr:Cluster:Tls:Certificate"] = certificate,
            ["Osr:Cluster:Tls:Key"] = keyPath,
            ["Osr:Cluster:Tls:CA"] = caPath,
        };
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int Option(string[] args, string name, int defaultValue)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : defaultValue;
    }
}
