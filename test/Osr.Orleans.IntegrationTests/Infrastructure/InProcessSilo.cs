using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// One real silo host (the wiring Program.cs uses) in this process on free ports, with its own
/// data directory; <paramref name="settings"/> chooses storage and cluster modes.
/// </summary>
internal sealed class InProcessSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessSilo(IHost host, int gatewayPort, string dataPath)
    {
        _host = host;
        GatewayPort = gatewayPort;
        DataPath = dataPath;
    }

    public int GatewayPort { get; }
    public string DataPath { get; }
    public IServiceProvider Services => _host.Services;
    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <param name="configure">Registrations after the silo's own (a later registration wins: a test's <c>OsrClock</c>).</param>
    public static async Task<InProcessSilo> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var gateway = FreePort.Next();
        var dataPath = settings.TryGetValue("Osr:Data:Path", out var given) && given is not null ? given : TempDirectory.Create("osr-data");
        var overrides = new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = FreePort.Next().ToString(),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            // Every test device connects from 127.0.0.1: the per-address connect rate is for real networks (FrontDoorTests set it).
            ["Osr:Mqtt:ConnectRatePerAddress"] = "0",
            ["Osr:Data:Path"] = dataPath,
            ["Osr:Models:Path"] = TempDirectory.Create("osr-models"),
            ["Osr:Cluster:SiloPort"] = FreePort.Next().ToString(),
            ["Osr:Cluster:GatewayPort"] = gateway.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings) overrides[key] = value;
        var builder = OsrSiloHost.CreateBuilder([], overrides);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessSilo(host, gateway, dataPath);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
