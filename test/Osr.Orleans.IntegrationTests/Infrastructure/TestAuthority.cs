using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A private certificate authority made for one test (ECDSA P-256, valid from an hour ago for a day), which issues silo and
/// admin certificates as PEM files in its own temporary directory (<see cref="Directory"/>).
/// </summary>
internal sealed class TestAuthority : IDisposable
{
    private readonly ECDsa _key;

    public TestAuthority(string name)
    {
        Directory = TempDirectory.Create("osr-tls");
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Root = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        CaPath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaPath, Root.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Root { get; }

    /// <summary>The authority's certificate as PEM (what <c>Osr:Cluster:Tls:CA</c> names).</summary>
    public string CaPath { get; }

    /// <summary>A certificate for <paramref name="commonName"/>: client authentication, and server authentication too for a silo.</summary>
    public (string Certificate, string Key) Issue(string commonName, bool silo, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }; // client authentication
        if (silo) usages.Add(new Oid("1.3.6.1.5.5.7.3.1")); // server authentication
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Root, now.AddMinutes(-30), notAfter ?? now.AddHours(12), serial);
        var certificate = Path.Combine(Directory, commonName + ".crt");
        var keyPath = Path.Combine(Directory, commonName + ".key");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyPath);
    }

    /// <summary>The <c>Osr:Cluster:Tls:*</c> settings of a certificate of this authority.</summary>
    public Dictionary<string, string?> Settings((string Certificate, string Key) issued) => new()
    {
        ["Osr:Cluster:Tls:Certificate"] = issued.Certificate,
        ["Osr:Cluster:Tls:Key"] = issued.Key,
        ["Osr:Cluster:Tls:CA"] = CaPath,
    };

    public void Dispose()
    {
        _key.Dispose();
        Root.Dispose();
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
