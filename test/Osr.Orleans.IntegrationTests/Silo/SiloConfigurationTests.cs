using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>Bad configuration stops the silo at start-up with a message naming the key.</summary>
public sealed class SiloConfigurationTests
{
    [Theory]
    [InlineData("Osr:Mqtt:Port", "70000", "Osr:Mqtt:Port")]
    [InlineData("Osr:Mqtt:BindAddress", "not-an-ip", "Osr:Mqtt:BindAddress")]
    [InlineData("Osr:Mqtt:MaxPayloadBytes", "10", "Osr:Mqtt:MaxPayloadBytes")]
    [InlineData("Osr:Mqtt:CertificatePath", "/nonexistent/cert.pfx", "Osr:Mqtt:CertificatePath")]
    [InlineData("Osr:Mqtt:KeyPath", "/nonexistent/key.pem", "Osr:Mqtt:KeyPath")]
    [InlineData("Osr:Mqtt:ClientCaPath", "/nonexistent/ca.pem", "Osr:Mqtt:ClientCaPath")]
    [InlineData("Osr:Mqtt:MaxConnections", "0", "Osr:Mqtt:MaxConnections")]
    [InlineData("Osr:Mqtt:ConnectRatePerAddress", "-1", "Osr:Mqtt:ConnectRatePerAddress")]
    [InlineData("Osr:Mqtt:ConnectBurstPerAddress", "0", "Osr:Mqtt:ConnectBurstPerAddress")]
    [InlineData("Osr:Mqtt:ConnectTimeout", "00:00:00", "Osr:Mqtt:ConnectTimeout")]
    [InlineData("Osr:Mqtt:CertificateReloadInterval", "-00:00:01", "Osr:Mqtt:CertificateReloadInterval")]
    [InlineData("Osr:Clock", "Sundial", "Osr:Clock")]
    [InlineData("Osr:Clock:MaxLateness", "-00:01:00", "Osr:Clock:MaxLateness")]
    [InlineData("Osr:Clock:MaxSkew", "02:00:00", "Osr:Clock:MaxSkew")]
    [InlineData("Osr:Clock:MaxEventLead", "00:00:10", "Osr:Clock:MaxEventLead")]
    [InlineData("Osr:Mqtt:Flood:MessagesPerSecond", "0", "Osr:Mqtt:Flood:MessagesPerSecond")]
    [InlineData("Osr:Mqtt:Flood:ByteBurst", "1024", "Osr:Mqtt:Flood:ByteBurst")]
    [InlineData("Osr:Mqtt:Flood:MaxHold", "00:00:00", "Osr:Mqtt:Flood:MaxHold")]
    [InlineData("Osr:Ingest:MaxReadingsPerSecond", "0", "Osr:Ingest:MaxReadingsPerSecond")]
    [InlineData("Osr:Ingest:Burst", "-5", "Osr:Ingest:Burst")]
    [InlineData("Osr:State:CheckpointInterval", "00:00:00.010", "Osr:State:CheckpointInterval")]
    [InlineData("Osr:Cluster:GatewayPort", "0", "Osr:Cluster:GatewayPort")]
    [InlineData("Osr:Cluster:Mode", "AdoNet", "Osr:Cluster:Mode")]
    [InlineData("Osr:Storage:Mode", "AdoNet", "Osr:Storage:Mode")]
    [InlineData("Osr:Ops:Otlp:Endpoint", "collector:4318", "Osr:Ops:Otlp:Endpoint")]
    [InlineData("Osr:Ops:Otlp:Protocol", "Carrier", "Osr:Ops:Otlp:Protocol")]
    [InlineData("Osr:Ops:Otlp:SampleRatio", "1.5", "Osr:Ops:Otlp:SampleRatio")]
    public async Task InvalidSettingIsRefusedAtStartUpNamingTheKey(string key, string value, string named)
    {
        var act = async () => await StartAsync(key, value);

        (await act.Should().ThrowAsync<Exception>()).Which.Should().Match<Exception>(e => Flatten(e).Contains(named));
    }

    [Theory]
    [InlineData("Osr:Mqtt:Port", "abc")]
    [InlineData("Osr:State:CheckpointInterval", "soon")]
    [InlineData("Osr:Cluster:Mode", "Cloud")]
    public async Task UnparseableSettingIsRefusedAtStartUp(string key, string value)
    {
        var act = async () => await StartAsync(key, value);

        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    private static async Task StartAsync(string key, string value)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = FreePort.Next().ToString(),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            ["Osr:Data:Path"] = TempDirectory.Create("osr-data"),
            ["Osr:Models:Path"] = TempDirectory.Create("osr-models"),
            ["Osr:Cluster:SiloPort"] = FreePort.Next().ToString(),
            ["Osr:Cluster:GatewayPort"] = FreePort.Next().ToString(),
            ["Logging:LogLevel:Default"] = "None",
            [key] = value,
        };
        using var host = OsrSiloHost.CreateBuilder([], overrides).Build();
        await host.StartAsync(); // throws for the bad setting; a host that started is a test failure
        await host.StopAsync();
    }

    private static string Flatten(Exception e) => e switch
    {
        OptionsValidationException o => string.Join("; ", o.Failures) + e.Message,
        AggregateException a => string.Join("; ", a.InnerExceptions.Select(Flatten)),
        _ => e.Message + (e.InnerException is null ? "" : "; " + Flatten(e.InnerException)),
    };
}
