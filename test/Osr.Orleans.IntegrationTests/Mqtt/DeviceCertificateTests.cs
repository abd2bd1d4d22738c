using Osr.Orleans.Silo.Ingress.Door;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>Which device a device certificate names (its CN or a DNS SAN).</summary>
public sealed class DeviceCertificateTests
{
    [Fact]
    public void AMultiValuedSubjectNamesNoDeviceInsteadOfThrowing()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            new System.Security.Cryptography.X509Certificates.X500DistinguishedName(Subject()), key,
            System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        certificate.SubjectName.EnumerateRelativeDistinguishedNames().Should().Contain(r => r.HasMultipleElements);
        DeviceCertificate.Names(certificate, "dev-1").Should().BeFalse();
        DeviceCertificate.Names(certificate, "dev-2").Should().BeTrue();
    }

    /// <summary>CN=dev-1+O=acme, CN=dev-2 (the first RDN multi-valued), encoded directly: the DN string parser makes no multi-valued RDN.</summary>
    private static byte[] Subject()
    {
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSetOf())
            {
                Attribute(writer, "2.5.4.3", "dev-1");
                Attribute(writer, "2.5.4.10", "acme");
            }
            using (writer.PushSetOf()) Attribute(writer, "2.5.4.3", "dev-2");
        }
        return writer.Encode();
    }

    private static void Attribute(System.Formats.Asn1.AsnWriter writer, string oid, string value)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, value);
        }
    }
}
