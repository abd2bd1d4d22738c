namespace Osr.Orleans.Models.Readings;

/// <summary>
/// Limits applied by <see cref="ReadingParser"/>. Defaults are the contract values
/// (docs/contract.md, "MQTT" and "Clock"). Immutable once built, so one instance can be shared
/// by every ingress thread.
/// </summary>
public sealed class ReadingValidationOptions
{
    /// <summary>The contract defaults.</summary>
    public static ReadingValidationOptions Default { get; } = new();

    /// <summary>Wall (default) or Event clock.</summary>
    public ClockMode Mode { get; init; } = ClockMode.Wall;

    /// <summary>Wall mode: a reading older than now − MaxLateness is <c>too-late</c>. Default 10 min.</summary>
    public TimeSpan MaxLateness { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Wall mode: a reading newer than now + MaxSkew is <c>too-early</c>. Default 30 s.</summary>
    public TimeSpan MaxSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most readings in one array message; more refuses the message. Default 500.</summary>
    public int MaxBatch { get; init; } = 500;

    /// <summary>Largest payload in bytes; larger is refused as <c>oversize</c>. Default 65536 (64 KiB).</summary>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;
}
