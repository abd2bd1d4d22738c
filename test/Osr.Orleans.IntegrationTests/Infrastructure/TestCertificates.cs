using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>A throw-away CA and the certificates it signs (server and device), written as PEM files for the silo and mosquitto.</summary>
internal static class TestCertificates
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    /// <summary>A server certificate for 127.0.0.1 / localhost.</summary>
    public static X509Certificate2 IssueServer(X509Certificate2 ca, string name = "localhost")
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        return Issue(ca, $"CN={name}", ServerAuth, san);
    }

    /// <summary>A device certificate whose CN is <paramref name="deviceId"/>.</summary>
    public static X509Certificate2 IssueDevice(X509Certificate2 ca, string deviceId) => Issue(ca, $"CN={deviceId}", ClientAuth, null);

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM; returns (certificate path, key path).</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate, string directory, string name)
    {
        var certPath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        // Written aside and moved in, as a secret mount or certbot swaps files: a reader never sees half a file.
        File.WriteAllText(certPath + ".new", certificate.ExportCertificatePem());
        File.WriteAllText(keyPath + ".new", certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.Move(keyPath + ".new", keyPath, overwrite: true);
        File.Move(certPath + ".new", certPath, overwrite: true);
        return (certPath, keyPath);
    }

    public static string WriteCaPem(X509Certificate2 ca, string directory)
    {
        var path = Path.Combine(directory, "ca.crt");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return path;
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, Oid usage, SubjectAlternativeNameBuilder? san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san is not null) request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), serial);
        return signed.CopyWithPrivateKey(key);
    }
}

/// <summary>Runs a command-line tool (mosquitto_pub, …) to its end, bounded.</summary>
internal static class Cli
{
    public static Task<(int Exit, string Output)> RunAsync(string file, params string[] args) => RunAsync(TimeSpan.FromSeconds(20), file, args);

    public static async Task<(int Exit, string Output)> RunAsync(TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
