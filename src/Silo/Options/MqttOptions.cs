using System.Net;
using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Options;

/// <summary>The embedded MQTT broker (section <c>Osr:Mqtt</c>, docs/contract.md "MQTT").</summary>
public sealed class MqttOptions
{
    public const string Section = "Osr:Mqtt";

    /// <summary>Plain TCP listener port; 0 disables it. Default 1883.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Address the listeners bind to. Default 0.0.0.0 (all IPv4 interfaces; IPv6 only when set explicitly).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>TLS listener port, used when <see cref="CertificatePath"/> is set. Default 8883.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>PKCS#12 (.pfx) certificate for the TLS listener; empty = no TLS listener.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>Largest accepted payload in bytes. Default 65536 (the contract's 64 KiB).</summary>
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>Connection backlog of the listeners. Default 1024.</summary>
    public int Backlog { get; set; } = 1024;

    internal IPAddress ParsedBindAddress => IPAddress.Parse(BindAddress);
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
        if (o.Port == 0 && string.IsNullOrEmpty(o.CertificatePath))
            errors.Add($"{MqttOptions.Section}: no listener: Port is 0 and no CertificatePath is set");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
