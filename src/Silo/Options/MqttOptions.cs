using System.Net;
using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Options;

/// <summary>Where devices connect: the silo's embedded broker (default), or external brokers the silos consume from.</summary>
public enum MqttMode
{
    Embedded,
    External,
}

/// <summary>The MQTT broker (section <c>Osr:Mqtt</c>, docs/contract.md "MQTT" and "External broker").</summary>
public sealed class MqttOptions
{
    public const string Section = "Osr:Mqtt";

    /// <summary><c>Embedded</c> (default) or <c>External</c>; kept as text so that a wrong value gets a clear error.</summary>
    public string Mode { get; set; } = nameof(MqttMode.Embedded);

    /// <summary>External mode: <c>host:port</c> of every broker (several when devices are sharded over brokers).</summary>
    public List<string> Brokers { get; set; } = [];

    /// <summary>External mode: the silos' own broker account.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Plain TCP listener port; 0 disables it. Default 1883.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Address the listeners bind to. Default 0.0.0.0 (all IPv4 interfaces; IPv6 only when set explicitly).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>TLS listener port, used when <see cref="CertificatePath"/> is set. Default 8883.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// The TLS listener's certificate: PKCS#12 (.pfx/.p12, with <see cref="CertificatePassword"/>) or PEM (.pem/.crt,
    /// the leaf first, then any intermediates, with the key in <see cref="KeyPath"/>); empty = no TLS listener.
    /// </summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key of a PEM <see cref="CertificatePath"/>; empty = the key is in the certificate file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>How often the certificate files are checked for a change (new handshakes use the new one); 0 = never. Default 1 min.</summary>
    public TimeSpan CertificateReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// PEM file of the CA(s) that sign device certificates; when set, the TLS listener asks for a client certificate
    /// and a device whose certificate chains to one of them and names it (CN or a DNS SAN) logs in without a password.
    /// </summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Open connections at most (authenticated or not); further ones are closed at once. Default 50,000.</summary>
    public int MaxConnections { get; set; } = 50_000;

    /// <summary>New connections per second per remote address (IPv6: per /64), sustained; 0 = no limit. Default 50.</summary>
    public double ConnectRatePerAddress { get; set; } = 50;

    /// <summary>New connections one address may open at once before <see cref="ConnectRatePerAddress"/> applies. Default 200.</summary>
    public int ConnectBurstPerAddress { get; set; } = 200;

    /// <summary>Time from accept to a complete CONNECT packet (TLS handshake included); a slower connection is closed. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest accepted payload in bytes. Default 65536 (the contract's 64 KiB).</summary>
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>Connection backlog of the listeners. Default 1024.</summary>
    public int Backlog { get; set; } = 1024;

    /// <summary>Largest packet accepted (remaining length): the payload limit plus 1 KiB for topic and properties.</summary>
    internal int MaxPacketBytes => MaxPayloadBytes + 1024;

    internal static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    internal IPAddress ParsedBindAddress => IPAddress.Parse(BindAddress);

    /// <summary>The mode; <see cref="MqttMode.Embedded"/> for a value the validator refuses.</summary>
    public MqttMode ParsedMode => TryParseMode(Mode, out var mode) ? mode : MqttMode.Embedded;

    public static bool TryParseMode(string? text, out MqttMode mode)
    {
        mode = MqttMode.Embedded;
        if (string.IsNullOrWhiteSpace(text)) return true;
        return Enum.TryParse(text.Trim(), ignoreCase: true, out mode) && Enum.IsDefined(mode);
    }

    /// <summary>
    /// <c>host:port</c> (a name, an IPv4 address, or an IPv6 address in brackets: <c>[::1]:1883</c>); false with a
    /// reason otherwise.
    /// </summary>
    public static bool TryParseBroker(string? text, out string host, out int port, out string? error)
    {
        host = "";
        port = 0;
        error = null;
        var t = text?.Trim() ?? "";
        var colon = t.LastIndexOf(':');
        if (colon <= 0 || colon == t.Length - 1)
        {
            error = "expected host:port";
            return false;
        }
        host = t[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':'))
        {
            error = "an IPv6 address needs brackets: [addr]:port";
            return false;
        }
        if (!int.TryParse(t.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            error = "the port must be 1–65535";
            return false;
        }
        if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = $"'{host}' is not a host name or IP address";
            return false;
        }
        return true;
    }
}

public sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions o)
    {
        var errors = new List<string>();
        if (o.Port is < 0 or > 65535) errors.Add($"{MqttOptions.Section}:Port must be 0–65535, got {o.Port}");
        if (o.TlsPort is < 1 or > 65535) errors.Add($"{MqttOptions.Section}:TlsPort must be 1–65535, got {o.TlsPort}");
        if (!IPAddress.TryParse(o.BindAddress, out _)) errors.Add($"{MqttOptions.Section}:BindAddress '{o.BindAddress}' is not an IP address");
        if (o.MaxPayloadBytes is < 256 or > 16 * 1024 * 1024) errors.Add($"{MqttOptions.Section}:MaxPayloadBytes must be 256–16777216, got {o.MaxPayloadBytes}");
        if (o.Backlog is < 1 or > 65535) errors.Add($"{MqttOptions.Section}:Backlog must be 1–65535, got {o.Backlog}");
        if (!string.IsNullOrEmpty(o.CertificatePath) && !File.Exists(o.CertificatePath))
            errors.Add($"{MqttOptions.Section}:CertificatePath '{o.CertificatePath}' does not exist");
        if (!string.IsNullOrEmpty(o.KeyPath) && !File.Exists(o.KeyPath))
            errors.Add($"{MqttOptions.Section}:KeyPath '{o.KeyPath}' does not exist");
        if (!string.IsNullOrEmpty(o.KeyPath) && (string.IsNullOrEmpty(o.CertificatePath) || MqttOptions.IsPkcs12(o.CertificatePath)))
            errors.Add($"{MqttOptions.Section}:KeyPath goes with a PEM CertificatePath (.pem/.crt); a .pfx holds its own key");
        if (!string.IsNullOrEmpty(o.ClientCaPath) && !File.Exists(o.ClientCaPath))
            errors.Add($"{MqttOptions.Section}:ClientCaPath '{o.ClientCaPath}' does not exist");
        if (!string.IsNullOrEmpty(o.ClientCaPath) && string.IsNullOrEmpty(o.CertificatePath))
            errors.Add($"{MqttOptions.Section}:ClientCaPath needs the TLS listener (CertificatePath)");
        if (o.CertificateReloadInterval < TimeSpan.Zero || o.CertificateReloadInterval > TimeSpan.FromDays(1))
            errors.Add($"{MqttOptions.Section}:CertificateReloadInterval must be 0 (off) to 1.00:00:00, got {o.CertificateReloadInterval}");
        if (o.MaxConnections is < 1 or > 10_000_000) errors.Add($"{MqttOptions.Section}:MaxConnections must be 1–10000000, got {o.MaxConnections}");
        if (!(o.ConnectRatePerAddress is >= 0 and <= 1_000_000)) errors.Add($"{MqttOptions.Section}:ConnectRatePerAddress must be 0 (no limit) to 1000000 per second, got {o.ConnectRatePerAddress}");
        if (o.ConnectBurstPerAddress is < 1 or > 1_000_000) errors.Add($"{MqttOptions.Section}:ConnectBurstPerAddress must be 1–1000000, got {o.ConnectBurstPerAddress}");
        if (o.ConnectTimeout < TimeSpan.FromMilliseconds(100) || o.ConnectTimeout > TimeSpan.FromMinutes(2))
            errors.Add($"{MqttOptions.Section}:ConnectTimeout must be 00:00:00.1–00:02:00, got {o.ConnectTimeout}");
        if (!MqttOptions.TryParseMode(o.Mode, out var mode))
            errors.Add($"{MqttOptions.Section}:Mode must be Embedded or External, got '{o.Mode}'");
        if (mode == MqttMode.External)
        {
            if (o.Brokers.Count == 0)
                errors.Add($"{MqttOptions.Section}:Brokers: External mode needs at least one broker ({MqttOptions.Section}:Brokers:0=host:port)");
            for (var i = 0; i < o.Brokers.Count; i++)
                if (!MqttOptions.TryParseBroker(o.Brokers[i], out _, out _, out var why))
                    errors.Add($"{MqttOptions.Section}:Brokers:{i} '{o.Brokers[i]}': {why}");
            if (string.IsNullOrEmpty(o.Username) || string.IsNullOrEmpty(o.Password))
                errors.Add($"{MqttOptions.Section}:Username and {MqttOptions.Section}:Password (the silos' broker account) are required in External mode");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
        if (o.Port == 0 && string.IsNullOrEmpty(o.CertificatePath))
            errors.Add($"{MqttOptions.Section}: no listener: Port is 0 and no CertificatePath is set");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
