using Orleans.Connections.Security;
using Osr.Orleans.Models.Security;

namespace Osr.Orleans.Silo.Extensions;

/// <summary>The silo's TLS options: a certificate required of every peer and client, trusted only when it chains to the configured authority.</summary>
internal static class ClusterTlsOptions
{
    public static void Apply(TlsOptions options, ClusterTlsMaterial material)
    {
        options.LocalCertificate = material.Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Replaces the platform's verdict (which knows nothing of a private authority and checks host names): see ClusterTls.
        options.RemoteCertificateValidation = (certificate, _, _) =>
            ClusterTls.IsTrusted(certificate, material.Authorities, DateTimeOffset.UtcNow, out _);
    }
}
