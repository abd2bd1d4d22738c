namespace Osr.Orleans.Models.Security;

/// <summary>
/// Mutual TLS of the cluster's connections (section <c>Osr:Cluster:Tls</c>, read by the silos and by <c>osr-admin</c>):
/// silo to silo and client to gateway are encrypted, and both ends must show a certificate issued by <see cref="CA"/>.
/// Off while <see cref="Certificate"/> is unset.
/// </summary>
public sealed class ClusterTlsSettings
{
    public const string Section = "Osr:Cluster:Tls";

    /// <summary>This end's certificate: a PEM file (with <see cref="Key"/>) or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, with <see cref="Password"/> if any).</summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="Certificate"/> (unencrypted, or encrypted with <see cref="Password"/>).</summary>
    public string? Key { get; set; }

    /// <summary>Password of the PKCS#12 file or of the encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>PEM file of the certificate authority (one or more certificates) whose certificates silos and admins must show.</summary>
    public string? CA { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Certificate);

    /// <summary>Whether any key is set (a key without <see cref="Certificate"/> is a mistake worth naming).</summary>
    public bool AnySet => Enabled || !string.IsNullOrWhiteSpace(Key) || !string.IsNullOrWhiteSpace(Password) || !string.IsNullOrWhiteSpace(CA);
}
