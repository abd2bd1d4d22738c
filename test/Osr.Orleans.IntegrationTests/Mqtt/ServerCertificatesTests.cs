using Microsoft.Extensions.Logging.Abstractions;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Ingress.Door;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>The TLS listener's certificate reload (it runs on a timer, so a file that does not load must not throw).</summary>
public sealed class ServerCertificatesTests
{
    [Fact]
    public void AClientCaFileWithoutACertificateKeepsThePreviousCertificatesInsteadOfThrowing()
    {
        var dir = TempDirectory.Create("osr-certs");
        using var ca = TestCertificates.CreateCa("osr-reload-ca");
        using var server = TestCertificates.IssueServer(ca);
        var (cert, key) = TestCertificates.WritePem(server, dir, "server");
        var caPath = TestCertificates.WriteCaPem(ca, dir);
        var options = new MqttOptions { CertificatePath = cert, KeyPath = key, ClientCaPath = caPath, CertificateReloadInterval = TimeSpan.Zero };
        using var certificates = new ServerCertificates(options, NullLogger.Instance, TimeProvider.System);

        // A CA bundle caught while it is rewritten: no PEM certificate in it yet.
        File.WriteAllText(caPath, "# being replaced\n");
        var reloaded = certificates.Reload();

        reloaded.Should().BeFalse();
        certificates.Current.Thumbprint.Should().Be(server.Thumbprint);
        certificates.AcceptsDeviceCertificates.Should().BeTrue();
    }
}
