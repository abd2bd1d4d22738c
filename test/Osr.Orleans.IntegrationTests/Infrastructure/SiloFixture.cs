using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// The real silo — the same host Program.cs builds — with its embedded MQTT broker, on free
/// loopback ports. Shared by the tests of <see cref="SiloCollection"/>.
/// </summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private IHost? _host;

    public int MqttPort { get; } = FreePort.Next();
    public int GatewayPort { get; } = FreePort.Next();
    public int SiloPort { get; } = FreePort.Next();

    public IGrainFactory Grains => _host!.Services.GetRequiredService<IGrainFactory>();
    public IServiceProvider Services => _host!.Services;

    public async Task InitializeAsync()
    {
        var builder = OsrSiloHost.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = MqttPort.ToString(),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            // Every test device connects from 127.0.0.1: the per-address connect rate is for real networks (FrontDoorTests set it).
            ["Osr:Mqtt:ConnectRatePerAddress"] = "0",
            ["Osr:Data:Path"] = TempDirectory.Create("osr-data"),
            ["Osr:Models:Path"] = TempDirectory.Create("osr-models"),
            ["Osr:Cluster:SiloPort"] = SiloPort.ToString(),
            ["Osr:Cluster:GatewayPort"] = GatewayPort.ToString(),
            ["Osr:State:CheckpointInterval"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is null) return;
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Registers a device for a user and returns its secret.</summary>
    public async Task<string> RegisterAsync(string deviceId, string userId, string kind = "watch")
    {
        var result = await Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, kind);
        result.Ok.Should().BeTrue(result.Error);
        return result.Secret!;
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
