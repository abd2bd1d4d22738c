namespace Osr.Orleans.Models.Ingress;

/// <summary>
/// Per-connection flood limits of the embedded broker (section <c>Osr:Mqtt:Flood</c>, docs/contract.md "Security"):
/// every message a device publishes — valid or not — costs one message token and its payload size in byte tokens;
/// every error reply costs one error token. Rates are per second, bursts are bucket capacities.
/// </summary>
public sealed class FloodLimits
{
    public const string Section = "Osr:Mqtt:Flood";

    /// <summary>Sustained messages per second per connection. Range (0, 100 000]. Default 100.</summary>
    public double MessagesPerSecond { get; set; } = 100;

    /// <summary>Message bucket capacity. Range [1, 100 000]. Default 200.</summary>
    public int MessageBurst { get; set; } = 200;

    /// <summary>Sustained payload bytes per second per connection. Range [1 024, 1 GiB]. Default 65 536 (64 KiB/s).</summary>
    public double BytesPerSecond { get; set; } = 64 * 1024;

    /// <summary>Byte bucket capacity; at least the largest payload. Range [65 536, 1 GiB]. Default 262 144 (256 KiB).</summary>
    public int ByteBurst { get; set; } = 256 * 1024;

    /// <summary>Error replies per second per connection; the rest are counted, not published. Range (0, 1 000]. Default 5.</summary>
    public double ErrorsPerSecond { get; set; } = 5;

    /// <summary>Error reply bucket capacity. Range [1, 1 000]. Default 20.</summary>
    public int ErrorBurst { get; set; } = 20;

    /// <summary>
    /// Longest a message is held before it is read on; a device that would need longer (many messages in flight at
    /// once) is disconnected instead, without acknowledgement, so its client sends them again later. Default 30 s.
    /// </summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The problems with these values, one line each naming its key; empty when valid.</summary>
    public IReadOnlyList<string> Validate(int maxPayloadBytes)
    {
        var errors = new List<string>();
        if (!(MessagesPerSecond > 0 && MessagesPerSecond <= 100_000))
            errors.Add($"{Section}:MessagesPerSecond must be in (0, 100000], got {MessagesPerSecond}");
        if (MessageBurst is < 1 or > 100_000) errors.Add($"{Section}:MessageBurst must be in [1, 100000], got {MessageBurst}");
        if (!(BytesPerSecond >= 1024 && BytesPerSecond <= 1 << 30))
            errors.Add($"{Section}:BytesPerSecond must be in [1024, 1073741824], got {BytesPerSecond}");
        if (ByteBurst < maxPayloadBytes || ByteBurst > 1 << 30)
            errors.Add($"{Section}:ByteBurst must be in [Osr:Mqtt:MaxPayloadBytes ({maxPayloadBytes}), 1073741824], got {ByteBurst}");
        if (!(ErrorsPerSecond > 0 && ErrorsPerSecond <= 1000))
            errors.Add($"{Section}:ErrorsPerSecond must be in (0, 1000], got {ErrorsPerSecond}");
        if (ErrorBurst is < 1 or > 1000) errors.Add($"{Section}:ErrorBurst must be in [1, 1000], got {ErrorBurst}");
        if (MaxHold < TimeSpan.FromSeconds(1) || MaxHold > TimeSpan.FromMinutes(10))
            errors.Add($"{Section}:MaxHold must be in [1 s, 10 min], got {MaxHold}");
        return errors;
    }
}
