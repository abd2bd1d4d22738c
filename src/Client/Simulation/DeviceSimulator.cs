using MQTTnet;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Client.Simulation;

public enum DeviceKind : byte
{
    /// <summary>Wrist device: heart rate (optical), acceleration, cadence.</summary>
    Watch,

    /// <summary>Phone in a pocket: GPS position and the speed derived from it.</summary>
    Phone,
}

/// <summary>
/// One simulated device: its identity, its connection and its pacing state (a few dozen bytes besides
/// the MQTT client), plus the sensor model that turns the owner's true state into a noisy reading.
/// Sensor noise is a pure function of (device seed, seq, channel) through <see cref="SimRandom"/>:
/// <list type="bullet">
/// <item>watch: hr σ = 2 bpm, 0.4 % outliers (a +40…80 bpm spike or a halved value, as when the optical
/// sensor locks onto cadence); cadence σ = 3 steps/min; acc with 10 % relative noise; each field
/// missing 2–3 % of the time;</item>
/// <item>phone: position σ = 4 m per axis with 0.2 % jumps of ~150 m; speed σ = 0.2 m/s (never negative);
/// no fix 5 % of the time outdoors and 50 % indoors (sleep, rest, desk);</item>
/// <item>1 % of readings are lost entirely (their seq is skipped).</item>
/// </list>
/// Values are clamped to the contract's valid ranges, so the simulator never sends a reading that
/// should be rejected.
/// </summary>
public sealed class DeviceSimulator(string deviceId, string userId, DeviceKind kind, LifeScript script, ulong seed)
{
    public const double MissedReadingProbability = 0.01;

    private int _busy;
    private int _connected;

    public string DeviceId { get; } = deviceId;
    public string UserId { get; } = userId;
    public DeviceKind Kind { get; } = kind;
    public LifeScript Script { get; } = script;
    public ulong Seed { get; } = seed;
    public string ReadingsTopic { get; } = Models.Broker.ContractTopics.Readings(deviceId);
    public string ErrorsTopic { get; } = Models.Broker.ContractTopics.Errors(deviceId);
    public string KindName => Kind == DeviceKind.Watch ? "watch" : "phone";

    public string? Secret { get; set; }
    public IMqttClient? Client { get; set; }
    public MqttClientOptions? Options { get; set; }

    /// <summary>The broker refused this device at CONNECT (bad credentials, not authorised): not retried.</summary>
    public bool Refused { get; set; }

    /// <summary>Last sequence number used (strictly increasing per device).</summary>
    internal long Seq;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/> units) of the first slot not yet published.</summary>
    internal long NextSlot;

    /// <summary>Position of the device in the run's device list (spreads sockets and failovers).</summary>
    internal int Index;

    /// <summary>Index of the broker (in the fleet's list) this device connects to now; it moves on when a connect fails.</summary>
    internal int Broker;

    /// <summary>Connect attempts that failed since the device was last connected (drives the back-off).</summary>
    internal int ConnectFailures;

    /// <summary>Earliest <see cref="TimeProvider.GetTimestamp"/> of the next reconnect attempt.</summary>
    internal long NextConnectAttempt;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last positive PUBACK of a readings message (0 = none yet).</summary>
    internal long LastAcked;

    /// <summary>
    /// A QoS 1 message published but not acknowledged when the connection broke: sent again, with the same
    /// readings and seq numbers, before anything new once the device is connected again (to any broker).
    /// </summary>
    internal UnackedMessage? Unacked;

    public bool IsConnected => Volatile.Read(ref _connected) == 1;

    public void MarkConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);

    /// <summary>At most one publish per device is in flight, so readings arrive in seq order.</summary>
    public bool TryBeginPublish() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void EndPublish() => Volatile.Write(ref _busy, 0);

    /// <summary>
    /// The reading this device reports at <paramref name="timestamp"/> for sequence number <paramref name="seq"/>,
    /// or false if this reading is lost (a dropout).
    /// </summary>
    public static bool TryCreateReading(in LifeSample truth, DeviceKind kind, ulong seed, long seq, DateTimeOffset timestamp, out Reading reading)
    {
        var h = SimRandom.Hash(seed, (ulong)seq);
        reading = default;
        if (SimRandom.Uniform(h, 0) < MissedReadingProbability) return false;

        double hr = double.NaN, speed = double.NaN, cadence = double.NaN, acc = double.NaN, lat = double.NaN, lon = double.NaN;
        if (kind == DeviceKind.Watch)
        {
            if (SimRandom.Uniform(h, 1) >= 0.03)
            {
                hr = truth.Hr + 2.0 * SimRandom.Gaussian(h, 2);
                if (SimRandom.Uniform(h, 3) < 0.004)
                    hr = SimRandom.Uniform(h, 4) < 0.5 ? hr + SimRandom.Between(h, 5, 40, 80) : hr * 0.5;
                hr = Math.Clamp(Math.Round(hr), 25, 240);
            }

            if (SimRandom.Uniform(h, 6) >= 0.03)
                cadence = truth.Cadence < 1 ? 0 : Math.Clamp(Math.Round(truth.Cadence + 3 * SimRandom.Gaussian(h, 7)), 0, 290);
            if (SimRandom.Uniform(h, 8) >= 0.02)
                acc = Math.Clamp(Math.Abs(truth.Acc + (0.02 + 0.1 * truth.Acc) * SimRandom.Gaussian(h, 9)), 0, 190);
        }
        else
        {
            var indoors = truth.Phase is LifePhase.Sleep or LifePhase.Rest or LifePhase.Desk;
            if (SimRandom.Uniform(h, 10) >= (indoors ? 0.5 : 0.05))
            {
                speed = Math.Clamp(truth.Speed + 0.2 * SimRandom.Gaussian(h, 11), 0, 99);
                var north = 4 * SimRandom.Gaussian(h, 12);
                var east = 4 * SimRandom.Gaussian(h, 13);
                if (SimRandom.Uniform(h, 14) < 0.002)
                {
                    north += SimRandom.Between(h, 15, -150, 150);
                    east += SimRandom.Between(h, 16, -150, 150);
                }

                lat = Math.Clamp(truth.Lat + north / Geo.MetresPerDegree, -90, 90);
                lon = truth.Lon + east / (Geo.MetresPerDegree * Math.Max(0.01, Math.Cos(truth.Lat * Math.PI / 180)));
                lon = lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
            }
        }

        reading = new Reading(seq, timestamp.UtcTicks, hr, speed, cadence, acc, lat, lon);
        return true;
    }
}

/// <summary>
/// A readings message whose PUBACK never came (the connection broke): its rented buffer, how many readings it
/// carries, the tick it was due at and whether it counts in the measured window. The silo applies each
/// <c>seq</c> once, so sending it again is safe whether or not the first copy was applied. Not sent again before
/// <see cref="NotBefore"/> (<see cref="TimeProvider.GetTimestamp"/> units).
/// </summary>
internal sealed record UnackedMessage(byte[] Buffer, int Length, int Readings, long IntendedTimestamp, bool Measured, long NotBefore);
