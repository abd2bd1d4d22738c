using System.Security.Cryptography.X509Certificates;

namespace Osr.Orleans.Silo.Ingress.Door;

/// <summary>Whether a device certificate (already chained to the configured CA by the TLS handshake) names a device id.</summary>
internal static class DeviceCertificate
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>True when the certificate's subject CN or one of its DNS SANs equals <paramref name="deviceId"/> exactly.</summary>
    public static bool Names(X509Certificate2 certificate, string deviceId)
    {
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
            if (!rdn.HasMultipleElements // a multi-valued RDN (CN=…+O=…) names no device; GetSingleElement* would throw
                && rdn.GetSingleElementType().Value == CommonNameOid && string.Equals(rdn.GetSingleElementValue(), deviceId, StringComparison.Ordinal)) return true;
        foreach (var extension in certificate.Extensions)
        {
            if (extension is not X509SubjectAlternativeNameExtension san) continue;
            foreach (var name in san.EnumerateDnsNames())
                if (string.Equals(name, deviceId, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
