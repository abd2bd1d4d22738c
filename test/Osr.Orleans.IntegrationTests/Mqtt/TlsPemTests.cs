using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// The TLS listener with a PEM certificate and key, the plain listener off, device certificates from a
/// configured CA, and certificate replacement without a restart; clients are mosquitto_pub and .NET's SslStream.
/// </summary>
public sealed class TlsPemTests : IAsyncLifetime
{
    private readonly string _dir = TempDirectory.Create("osr-tls");
    private readonly int _tlsPort = FreePort.Next();
    private X509Certificate2 _ca = null!;
    private string _caPath = null!;
    private X509Certificate2 _server = null!;
    private InProcessSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _ca = TestCertificates.CreateCa("osr-test-ca");
        _caPath = TestCertificates.WriteCaPem(_ca, _dir);
        _server = TestCertificates.IssueServer(_ca, "osr-server-1");
        var (cert, key) = TestCertificates.WritePem(_server, _dir, "server");
        _silo = await InProcessSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Osr:Mqtt:Port"] = "0",
            ["Osr:Mqtt:TlsPort"] = _tlsPort.ToString(),
            ["Osr:Mqtt:CertificatePath"] = cert,
            ["Osr:Mqtt:KeyPath"] = key,
            ["Osr:Mqtt:ClientCaPath"] = _caPath,
            ["Osr:Mqtt:CertificateReloadInterval"] = "00:00:00.2",
        });
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _ca.Dispose();
        _server.Dispose();
    }

    private async Task<string> RegisterAsync(string device, string user) =>
        (await _silo.Grains.GetGrain<IDeviceGrain>(device).RegisterAsync(user, "watch")).Secret!;

    private Task<(int Exit, string Output)> PublishAsync(string device, params string[] credentials) =>
        Cli.RunAsync("mosquitto_pub", [
            "-h", "127.0.0.1", "-p", _tlsPort.ToString(), "--cafile", _caPath, "-V", "mqttv311", "-q", "1",
            "-i", device, "-u", device, .. credentials,
            "-t", $"osr/v1/devices/{device}/readings", "-m", Readings.Json(1, DateTimeOffset.UtcNow, 64)]);

    private async Task<long> AppliedAsync(string user) =>
        (await _silo.Grains.GetGrain<IUserStateGrain>(user).GetSnapshotAsync()).ReadingsApplied;

    [Fact]
    public async Task MosquittoPublishesWithAPasswordOverTlsWithThePlainListenerOff()
    {
        var secret = await RegisterAsync("pem-d1", "pem-u1");

        var (exit, output) = await PublishAsync("pem-d1", "-P", secret);

        exit.Should().Be(0, output);
        (await AppliedAsync("pem-u1")).Should().Be(1);
    }

    [Fact]
    public async Task ADeviceCertificateNamingTheDeviceLogsInWithoutAPassword()
    {
        await RegisterAsync("pem-d2", "pem-u2");
        using var device = TestCertificates.IssueDevice(_ca, "pem-d2");
        var (cert, key) = TestCertificates.WritePem(device, _dir, "pem-d2");

        var (exit, output) = await PublishAsync("pem-d2", "--cert", cert, "--key", key);

        exit.Should().Be(0, output);
        (await AppliedAsync("pem-u2")).Should().Be(1);
    }

    [Fact]
    public async Task ACertificateOfAnotherDeviceIsRefused()
    {
        await RegisterAsync("pem-d3", "pem-u3");
        await RegisterAsync("pem-d4", "pem-u4");
        using var other = TestCertificates.IssueDevice(_ca, "pem-d4");
        var (cert, key) = TestCertificates.WritePem(other, _dir, "pem-d4");

        var (exit, output) = await PublishAsync("pem-d3", "--cert", cert, "--key", key);

        exit.Should().NotBe(0, output);
        (await AppliedAsync("pem-u3")).Should().Be(0);
    }

    [Fact]
    public async Task ACertificateFromAnotherCaIsRefusedAtTheHandshake()
    {
        await RegisterAsync("pem-d5", "pem-u5");
        using var rogueCa = TestCertificates.CreateCa("rogue-ca");
        using var rogue = TestCertificates.IssueDevice(rogueCa, "pem-d5");
        var (cert, key) = TestCertificates.WritePem(rogue, _dir, "pem-d5-rogue");

        var (exit, output) = await PublishAsync("pem-d5", "--cert", cert, "--key", key);

        exit.Should().NotBe(0, output);
        (await AppliedAsync("pem-u5")).Should().Be(0);
    }

    [Fact]
    public async Task ReplacedCertificateFilesArePresentedToNewHandshakesWithoutARestart()
    {
        (await PresentedAsync()).Should().Be(_server.Thumbprint);
        using var renewed = TestCertificates.IssueServer(_ca, "osr-server-2");

        TestCertificates.WritePem(renewed, _dir, "server");

        await Poll.UntilAsync(async () => await PresentedAsync() == renewed.Thumbprint, "new handshakes present the renewed certificate");
        var secret = await RegisterAsync("pem-d6", "pem-u6");
        var (exit, output) = await PublishAsync("pem-d6", "-P", secret);
        exit.Should().Be(0, output);
    }

    [Fact]
    public async Task APemCertificateWithoutItsKeyStopsTheStartNamingTheKey()
    {
        var certOnly = Path.Combine(_dir, "cert-only.crt");
        await File.WriteAllTextAsync(certOnly, _server.ExportCertificatePem());

        var act = async () => await InProcessSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Osr:Mqtt:TlsPort"] = FreePort.Next().ToString(),
            ["Osr:Mqtt:CertificatePath"] = certOnly,
        });

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Osr:Mqtt:CertificatePath");
    }

    /// <summary>The thumbprint of the certificate the TLS listener presents to a new handshake.</summary>
    private async Task<string> PresentedAsync()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _tlsPort);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        return X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData()).Thumbprint;
    }
}
