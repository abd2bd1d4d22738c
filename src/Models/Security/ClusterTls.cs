using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Osr.Orleans.Models.Security;

/// <summary>This end's certificate (with its private key) and the authorities it trusts for the other end.</summary>
public sealed record ClusterTlsMaterial(X509Certificate2 Certificate, X509Certificate2Collection Authorities);

/// <summary>
/// Loads and checks <see cref="ClusterTlsSettings"/>, and decides whether the other end's certificate is trusted: it must chain
/// to one of the configured authorities (and only those: the machine's own trust store plays no part), be within its validity
/// period (its extended key usage is not checked: the authority is trusted to issue only cluster certificates). Host names are not checked: silos dial each other by
/// the addresses in the membership table, so the authority is what identifies a member of the cluster.
/// </summary>
public static class ClusterTls
{
    private const string S = ClusterTlsSettings.Section;

    /// <summary>Loads the files; the errors name the key and the file (never the password).</summary>
    /// <exception cref="ClusterTlsException">A file is missing, unreadable, or the certificate does not fit the authority.</exception>
    public static ClusterTlsMaterial Load(ClusterTlsSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<string>();
        if (!settings.Enabled)
        {
            errors.Add($"{S}:Certificate is not set (the other {S}:* keys need it)");
            throw new ClusterTlsException(errors);
        }
        if (string.IsNullOrWhiteSpace(settings.CA)) errors.Add($"{S}:CA is not set: the PEM file of the authority whose certificates silos and admins must show");
        var certificate = LoadCertificate(settings, errors);
        var authorities = string.IsNullOrWhiteSpace(settings.CA) ? null : LoadAuthorities(settings.CA, errors);
        if (certificate is not null && authorities is not null)
        {
            if (now < certificate.NotBefore || now > certificate.NotAfter)
                errors.Add($"{S}:Certificate '{settings.Certificate}' is not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u})");
            else if (!IsTrusted(certificate, authorities, now, out var reason))
                errors.Add($"{S}:Certificate '{settings.Certificate}' is not issued by the authority of {S}:CA '{settings.CA}': {reason}");
        }
        if (errors.Count > 0 || certificate is null || authorities is null) throw new ClusterTlsException(errors);
        return new ClusterTlsMaterial(certificate, authorities);
    }

    /// <summary>Whether <paramref name="remote"/> chains to one of <paramref name="authorities"/> at <paramref name="now"/>; if not, why.</summary>
    public static bool IsTrusted(X509Certificate2 remote, X509Certificate2Collection authorities, DateTimeOffset now, out string reason)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(authorities);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (chain.Build(remote))
        {
            reason = "";
            return true;
        }
        var problems = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        reason = $"subject '{remote.Subject}': {string.Join(", ", problems)}";
        return false;
    }

    private static X509Certificate2? LoadCertificate(ClusterTlsSettings settings, List<string> errors)
    {
        var path = settings.Certificate!;
        if (!File.Exists(path))
        {
            errors.Add($"{S}:Certificate '{path}' does not exist");
            return null;
        }
        try
        {
            var pkcs12 = path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
            if (pkcs12) return X509CertificateLoader.LoadPkcs12FromFile(path, settings.Password);
            if (string.IsNullOrWhiteSpace(settings.Key))
            {
                errors.Add($"{S}:Key is not set: the PEM certificate '{path}' needs its private key file");
                return null;
            }
            if (!File.Exists(settings.Key))
            {
                errors.Add($"{S}:Key '{settings.Key}' does not exist");
                return null;
            }
            using var pem = string.IsNullOrEmpty(settings.Password)
                ? X509Certificate2.CreateFromPemFile(path, settings.Key)
                : X509Certificate2.CreateFromEncryptedPemFile(path, settings.Password, settings.Key);
            // TLS wants a key it can use from any thread of the process: re-import it as PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            errors.Add($"{S}:Certificate '{path}' (key '{settings.Key}') cannot be loaded: {e.Message}");
            return null;
        }
    }

    private static X509Certificate2Collection? LoadAuthorities(string path, List<string> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add($"{S}:CA '{path}' does not exist");
            return null;
        }
        try
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(path);
            if (authorities.Count == 0) errors.Add($"{S}:CA '{path}' holds no PEM certificate");
            return authorities.Count == 0 ? null : authorities;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{S}:CA '{path}' cannot be read: {e.Message}");
            return null;
        }
    }
}

/// <summary><see cref="ClusterTlsSettings"/> that cannot be used; <see cref="Exception.Message"/> lists every problem.</summary>
public sealed class ClusterTlsException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
