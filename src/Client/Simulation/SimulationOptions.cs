using System.Net;
using Osr.Orleans.Client.Cli;

namespace Osr.Orleans.Client.Simulation;

/// <summary>The validated options of <c>osr-admin simulate</c>.</summary>
public sealed record SimulationOptions
{
    /// <summary>Readings per MQTT message at most: a reading is ≤ ~150 bytes, so this stays well under the 64 KiB payload limit.</summary>
    public const int MaxReadingsPerMessage = 300;

    public static readonly TimeSpan DefaultCycle = TimeSpan.FromMinutes(6);

    public int Users { get; init; } = 10;

    /// <summary>Aggregate readings per second over all devices; null = one per device per second.</summary>
    public double? Rate { get; init; }

    /// <summary>How long to publish; null = until Ctrl+C.</summary>
    public TimeSpan? Duration { get; init; }

    public int Batch { get; init; } = 1;

    /// <summary>Length of a compressed day; null with <see cref="RealtimeDay"/>.</summary>
    public TimeSpan? Cycle { get; init; } = DefaultCycle;

    public bool RealtimeDay { get; init; }

    public bool Watch { get; init; }

    public ulong Seed { get; init; } = 1;

    public string Prefix { get; init; } = "sim";

    public EndpointParser.HostPort Mqtt { get; init; } = new("127.0.0.1", 1883);

    /// <summary>Source addresses for the device sockets (round-robin); empty = let the OS choose.</summary>
    public IReadOnlyList<IPAddress> LocalAddresses { get; init; } = [];

    public int ConnectConcurrency { get; init; } = 100;

    public bool Json { get; init; }

    public string UserId(int user) => $"{Prefix}-u{user:D5}";

    public string DeviceId(int user, DeviceKind kind) => $"{UserId(user)}-{(kind == DeviceKind.Watch ? "watch" : "phone")}";
}
