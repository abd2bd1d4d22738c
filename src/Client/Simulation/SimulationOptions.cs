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

    /// <summary><c>--mqtt</c>: the brokers (one per silo) the devices are spread over; a device whose broker fails moves to another.</summary>
    public IReadOnlyList<EndpointParser.HostPort> Brokers { get; init; } = [new("127.0.0.1", 1883)];

    /// <summary>Most brokers one <c>--mqtt</c> list names.</summary>
    public const int MaxBrokers = 64;

    /// <summary>The broker list as given, for messages.</summary>
    public string BrokerList => string.Join(",", Brokers);

    /// <summary>Resolves every broker's host once (not per connection).</summary>
    public async Task<IReadOnlyList<IPEndPoint>> ResolveBrokersAsync(CancellationToken ct)
    {
        var result = new IPEndPoint[Brokers.Count];
        for (var i = 0; i < result.Length; i++) result[i] = await EndpointParser.ResolveAsync(Brokers[i], ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Source addresses for the device sockets (round-robin); empty = let the OS choose.</summary>
    public IReadOnlyList<IPAddress> LocalAddresses { get; init; } = [];

    public int ConnectConcurrency { get; init; } = 100;

    public bool Json { get; init; }

    /// <summary>
    /// False with <c>--no-provision</c>: no cluster connection and no registration; every device presents
    /// <see cref="UnprovisionedSecret"/> (for a broker that accepts any credentials, e.g. the bare-broker benchmark).
    /// </summary>
    public bool Provision { get; init; } = true;

    /// <summary>
    /// With <c>--broker-file PATH</c> (External mode, large fleets): the devices are registered without the silo creating
    /// their broker accounts, the console writes the accounts into PATH (Mosquitto's dynamic-security file) and waits up
    /// to <see cref="BrokerWait"/> for the restarted broker to accept them.
    /// </summary>
    public string? BrokerFile { get; init; }

    /// <summary>How long a run with <see cref="BrokerFile"/> waits for the broker to take the written accounts (<c>--broker-wait</c>, default 10 min).</summary>
    public TimeSpan BrokerWait { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// With <c>--warmup T</c>: publishing runs T longer and the summary covers only the measured window after it
    /// (messages whose intended send time falls in the window; rate = their readings acked before it ended).
    /// </summary>
    public TimeSpan? Warmup { get; init; }

    /// <summary>
    /// With <c>--latency-from intended</c>: <c>latencyMs</c> starts at each message's intended send time (the pacing
    /// tick at which it became due) instead of just before <c>PublishAsync</c>, so time a message waited for its
    /// device's previous PUBACK or for a late sender loop is counted (no coordinated omission).
    /// </summary>
    public bool LatencyFromIntended { get; init; }

    /// <summary>With <c>--latency-samples FILE</c>: every latency of the measured window, raw, one per line: µs and the send time it is measured from, in Unix ms (needs <see cref="Duration"/>).</summary>
    public string? LatencySamplesPath { get; init; }

    /// <summary>With <c>--pushes FILE</c> (event clock): every push of the backtest, one CSV row each.</summary>
    public string? PushesPath { get; init; }

    /// <summary><c>--clock</c>: publish on the wall clock (default), or replay simulated days at event time (the backtest).</summary>
    public SimulationClock Clock { get; init; } = SimulationClock.Wall;

    /// <summary><c>--days</c> of simulated time with <see cref="SimulationClock.Event"/>.</summary>
    public int Days { get; init; } = 1;

    /// <summary><c>--start</c>: where simulated time begins with <see cref="SimulationClock.Event"/>.</summary>
    public DateTimeOffset Start { get; init; } = DefaultStart;

    /// <summary><c>--step</c>: simulated time published between two waits for notifications.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary><c>--interval</c>: simulated time between two readings of a device.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>False with <c>--no-catalog</c>: no demo catalogue import and no ALS training.</summary>
    public bool Catalog { get; init; } = true;

    /// <summary>False with <c>--no-feedback</c>: notifications are counted but not answered.</summary>
    public bool Feedback { get; init; } = true;

    /// <summary>The default <c>--start</c>: Monday 2 November 2026, 00:00 UTC.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The password of every device with <c>--no-provision</c>.</summary>
    public const string UnprovisionedSecret = "unprovisioned";

    public string UserId(int user) => $"{Prefix}-u{user:D5}";

    public string DeviceId(int user, DeviceKind kind) => $"{UserId(user)}-{(kind == DeviceKind.Watch ? "watch" : "phone")}";
}

/// <summary>Which clock the simulation runs on.</summary>
public enum SimulationClock
{
    /// <summary>Readings stamped with the wall clock, published in real time.</summary>
    Wall,

    /// <summary>Simulated days replayed at event time as fast as the silo goes (needs a silo with <c>Osr:Clock=Event</c>).</summary>
    Event,
}
