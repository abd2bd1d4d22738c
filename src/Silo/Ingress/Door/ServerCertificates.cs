using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Ingress.Door;

/// <summary>
/// The TLS listener's certificate (PKCS#12 or PEM + key) and the CA of device certificates, re-read when their
/// files change (checked every <see cref="MqttOptions.CertificateReloadInterval"/>): each new handshake uses the
/// certificate current at that moment; a file that fails to load keeps the previous one and logs an error.
/// </summary>
internal sealed class ServerCertificates : IDisposable
{
    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly ITimer? _timer;
    private readonly Lock _reloadGate = new();
    private volatile Loaded _current;

    private sealed record Loaded(SslStreamCertificateContext Context, X509Certificate2 Leaf, X509Certificate2Collection? ClientCa, string Stamp);

    public ServerCertificates(MqttOptions options, ILogger logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        try
        {
            _current = Load(Stamp());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            // A bad file at start-up stops the silo, naming the keys.
            throw new InvalidOperationException(
                $"{MqttOptions.Section}:CertificatePath '{options.CertificatePath}' (KeyPath '{options.KeyPath}', ClientCaPath '{options.ClientCaPath}') could not be loaded: {ex.Message}", ex);
        }
        if (options.CertificateReloadInterval > TimeSpan.Zero)
            _timer = time.CreateTimer(_ => Reload(), null, options.CertificateReloadInterval, options.CertificateReloadInterval);
    }

    /// <summary>The certificate new handshakes present.</summary>
    public X509Certificate2 Current => _current.Leaf;

    /// <summary>Whether device certificates are asked for (a client CA is configured).</summary>
    public bool AcceptsDeviceCertificates => _current.ClientCa is not null;

    /// <summary>Options for one handshake, with the certificate current now.</summary>
    public SslServerAuthenticationOptions ForHandshake()
    {
        var loaded = _current;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = loaded.Context,
            ClientCertificateRequired = loaded.ClientCa is not null,
            RemoteCertificateValidationCallback = loaded.ClientCa is null ? null : (_, certificate, _, _) => IsDeviceCertificateValid(certificate, loaded.ClientCa),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EncryptionPolicy = EncryptionPolicy.RequireEncryption,
        };
    }

    /// <summary>Re-reads the files when their size or time changed; true when a new certificate was taken.</summary>
    public bool Reload()
    {
        lock (_reloadGate)
        {
            string stamp;
            try
            {
                stamp = Stamp();
                if (stamp == _current.Stamp) return false;
                var loaded = Load(stamp);
                _current = loaded;
                DoorLog.CertificateReloaded(_logger, loaded.Leaf.Subject, loaded.Leaf.Thumbprint, loaded.Leaf.NotAfter);
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
                                           or ArgumentException or InvalidOperationException)
            {
                // This runs on a timer: nothing may escape (it would end the process). Files being replaced one by one (certificate before key) fail here once and load on the next check.
                DoorLog.CertificateReloadFailed(_logger, ex, _options.CertificatePath ?? "");
                return false;
            }
        }
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>A device certificate (one was sent) must chain to the configured CA; no certificate is fine (password login).</summary>
    private static bool IsDeviceCertificateValid(X509Certificate? certificate, X509Certificate2Collection clientCa)
    {
        if (certificate is null) return true;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(clientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private string Stamp()
    {
        var stamp = new System.Text.StringBuilder();
        foreach (var path in new[] { _options.CertificatePath, _options.KeyPath, _options.ClientCaPath })
        {
            if (string.IsNullOrEmpty(path)) continue;
            var file = new FileInfo(path);
            stamp.Append(file.Exists ? $"{file.LastWriteTimeUtc.Ticks}:{file.Length};" : "missing;");
        }
        return stamp.ToString();
    }

    private Loaded Load(string stamp)
    {
        var path = _options.CertificatePath!;
        X509Certificate2 leaf;
        var intermediates = new X509Certificate2Collection();
        if (MqttOptions.IsPkcs12(path))
        {
            leaf = X509CertificateLoader.LoadPkcs12FromFile(path, _options.CertificatePassword);
        }
        else
        {
            using var pem = X509Certificate2.CreateFromPemFile(path, string.IsNullOrEmpty(_options.KeyPath) ? null : _options.KeyPath);
            // An exported and re-imported copy keeps the key usable by the TLS stack on every platform.
            leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(path);
            foreach (var c in all)
                if (c.Thumbprint != leaf.Thumbprint) intermediates.Add(c);
        }
        if (!leaf.HasPrivateKey)
            throw new InvalidOperationException($"{MqttOptions.Section}:CertificatePath '{path}' has no private key (PEM: set {MqttOptions.Section}:KeyPath)");
        X509Certificate2Collection? clientCa = null;
        if (!string.IsNullOrEmpty(_options.ClientCaPath))
        {
            clientCa = [];
            clientCa.ImportFromPemFile(_options.ClientCaPath);
            if (clientCa.Count == 0) throw new InvalidOperationException($"{MqttOptions.Section}:ClientCaPath '{_options.ClientCaPath}' holds no PEM certificate");
        }
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        return new Loaded(context, leaf, clientCa, stamp);
    }
}
