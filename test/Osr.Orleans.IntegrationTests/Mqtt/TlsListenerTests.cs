using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Protocol;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>The TLS listener of the embedded broker, with a self-signed certificate made here.</summary>
public sealed class TlsListenerTests : IAsyncLifetime
{
    private readonly string _pfx = Path.Combine(Path.GetTempPath(), $"osr-test-{Guid.NewGuid():N}.pfx");
    private readonly int _tlsPort = FreePort.Next();
    private X509Certificate2 _certificate = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(_pfx, _certificate.Export(X509ContentType.Pkcs12, "test-password"));

        _host = OsrSiloHost.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = "0",
            ["Osr:Mqtt:TlsPort"] = _tlsPort.ToString(),
            ["Osr:Mqtt:CertificatePath"] = _pfx,
            ["Osr:Mqtt:CertificatePassword"] = "test-password",
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            ["Osr:Data:Path"] = TempDirectory.Create("osr-data"),
            ["Osr:Models:Path"] = TempDirectory.Create("osr-models"),
            ["Osr:Cluster:SiloPort"] = FreePort.Next().ToString(),
            ["Osr:Cluster:GatewayPort"] = FreePort.Next().ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _certificate.Dispose();
        File.Delete(_pfx);
    }

    [Fact]
    public async Task ReadingOverTlsIsAppliedWhenTheClientTrustsTheServerCertificate()
    {
        var grains = _host.Services.GetRequiredService<IGrainFactory>();
        var secret = (await grains.GetGrain<IDeviceGrain>("tls-d1").RegisterAsync("tls-u1", "watch")).Secret!;
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _tlsPort)
            .WithClientId("tls-d1")
            .WithCredentials("tls-d1", secret)
            .WithTlsOptions(tls => tls.UseTls()
                .WithTargetHost("localhost")
                // Pin exactly the certificate made above: nothing else is trusted.
                .WithCertificateValidationHandler(e => e.Certificate is not null
                    && e.Certificate.GetCertHashString() == _certificate.GetCertHashString()))
            .Build();

        (await client.ConnectAsync(options)).ResultCode.Should().Be(MqttClientConnectResultCode.Success);
        var ack = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("osr/v1/devices/tls-d1/readings")
            .WithPayload(Encoding.UTF8.GetBytes(Readings.Json(1, DateTimeOffset.UtcNow, 77)))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await grains.GetGrain<IUserStateGrain>("tls-u1").GetSnapshotAsync()).ReadingsApplied.Should().Be(1);
    }

    [Fact]
    public async Task PlainMqttIsNotSpokenOnTheTlsPort()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _tlsPort)
            .WithClientId("plain")
            .WithCredentials("x", "y")
            .WithTimeout(TimeSpan.FromSeconds(3))
            .Build();

        var act = async () => await client.ConnectAsync(options);

        await act.Should().ThrowAsync<Exception>();
        client.IsConnected.Should().BeFalse();
    }
}
