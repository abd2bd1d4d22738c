using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Client;

/// <summary>
/// The simulator's devices over two real MQTT brokers (MQTTnet servers on loopback, accepting any credentials, as a
/// silo's broker does for registered devices): one broker stops while a message waits for its PUBACK, and the devices
/// must move to the other, send the unacknowledged message again with the same seq numbers, and lose no reading.
/// The silo-side behaviour (dedupe by seq) is tested with real silos in ClusterFaults.
/// </summary>
public sealed class MqttFleetFailoverTests : IAsyncLifetime
{
    private readonly Broker _a = new(FreePort.Next());
    private readonly Broker _b = new(FreePort.Next());

    public async Task InitializeAsync()
    {
        await _a.StartAsync();
        await _b.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task DevicesOfAStoppedBrokerMoveToTheOtherAndResendWhatWasNotAcknowledged()
    {
        var time = TimeProvider.System;
        var stats = new SimulationStats();
        var plan = SimulationPlan.Create(new SimulationOptions { Users = 8, Seed = 5, Prefix = "fo" });
        var devices = plan.Devices;
        foreach (var d in devices) d.Secret = SimulationOptions.UnprovisionedSecret;
        var fleet = new MqttFleet(stats, time);
        fleet.Prepare(devices, [_a.EndPoint, _b.EndPoint], []);
        (await fleet.ConnectAllAsync(devices, 16, null, CancellationToken.None)).Should().Be(devices.Count);
        var onA = devices.Where(d => d.Index % 2 == 0).ToArray();
        _a.Connected.Should().HaveCount(onA.Length, "device i starts on broker i mod 2");

        // Broker A holds back the PUBACK of the first message of one of its devices: the silo died while applying it.
        var held = onA[0];
        _a.HoldFirstMessageOf(held.DeviceId);

        using var run = new CancellationTokenSource();
        using var reconnecting = new CancellationTokenSource();
        var start = time.GetTimestamp();
        var slot = time.TimestampFrequency / 20;   // every device publishes 20 readings/s
        for (var i = 0; i < devices.Count; i++) devices[i].NextSlot = start + slot * i / devices.Count;
        var loop = new SenderLoop(devices, fleet, stats, time, start, time.GetUtcNow(), slot, 1);
        var sending = Task.Run(() => loop.RunAsync(run.Token));
        var reconnect = fleet.ReconnectLoopAsync(devices, 16, reconnecting.Token);

        await Poll.UntilAsync(() => _a.Holding && _b.Received.Count > 20, "both brokers receive readings and A holds one PUBACK back");
        var stoppedAt = time.GetTimestamp();
        await _a.StopAsync();

        await Poll.UntilAsync(() => devices.All(d => d.IsConnected && d.Broker == 1), "every device is connected to broker B", TimeSpan.FromSeconds(15));
        var movedIn = time.GetElapsedTime(stoppedAt);
        await Poll.UntilAsync(() => _b.SeqsOf(held.DeviceId).Contains(_a.HeldSeqs.Min()), "the held message is sent again to broker B");
        var before = devices.ToDictionary(d => d.DeviceId, d => _b.SeqsOf(d.DeviceId).Count);
        await Poll.UntilAsync(() => devices.All(d => _b.SeqsOf(d.DeviceId).Count >= before[d.DeviceId] + 3), "every device goes on publishing to broker B");
        await run.CancelAsync();
        await sending;
        await fleet.DrainAsync(devices, TimeSpan.FromSeconds(10));
        await reconnecting.CancelAsync();
        await reconnect;

        movedIn.Should().BeLessThan(TimeSpan.FromSeconds(5), "one failed attempt, then the other broker after ≤ 250 ms of back-off");
        stats.Failovers.Should().Be(onA.Length);
        stats.Resent.Should().BeGreaterThanOrEqualTo(1);
        stats.ReadingsUnackedAtStop.Should().Be(0);
        _b.SeqsOf(held.DeviceId).Should().Contain(_a.HeldSeqs, "the unacknowledged readings arrive again, with the same seq numbers");
        foreach (var d in devices)
        {
            // Every seq the device numbered arrived at one of the brokers, except the simulated sensor dropouts (~1 %),
            // and in order on each connection.
            var received = _a.SeqsOf(d.DeviceId).Concat(_b.SeqsOf(d.DeviceId)).ToHashSet();
            received.Count.Should().BeGreaterThanOrEqualTo((int)(d.Seq * 0.95) - 1, $"{d.DeviceId} numbered {d.Seq} readings");
            received.Max().Should().BeLessThanOrEqualTo(d.Seq);
            _b.SeqsOf(d.DeviceId).Should().BeInAscendingOrder();
        }

        stats.ReadingsDropped.Should().Be(0, "the outage was shorter than a device's offline buffer");
        await fleet.DisconnectAllAsync(devices, TimeSpan.FromSeconds(5));
    }

    /// <summary>A real MQTTnet broker that records the seq numbers each client published and can hold one PUBACK back.</summary>
    private sealed class Broker(int port) : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<long>> _seqs = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _dying = new();
        private MqttServer? _server;
        private string? _hold;
        private int _holding;

        public IPEndPoint EndPoint { get; } = new(IPAddress.Loopback, port);

        public ConcurrentDictionary<string, byte> Connected { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<long> Received { get; } = new();

        public ConcurrentQueue<long> HeldSeqs { get; } = new();

        public bool Holding => Volatile.Read(ref _holding) == 1;

        public void HoldFirstMessageOf(string clientId) => _hold = clientId;

        public IReadOnlyList<long> SeqsOf(string clientId) => _seqs.TryGetValue(clientId, out var q) ? [.. q] : [];

        public async Task StartAsync()
        {
            var options = new MqttServerFactory().CreateServerOptionsBuilder()
                .WithDefaultEndpoint().WithDefaultEndpointPort(port)
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointBoundIPV6Address(IPAddress.None)
                .Build();
            _server = new MqttServerFactory().CreateMqttServer(options);
            _server.ClientConnectedAsync += e =>
            {
                Connected[e.ClientId] = 0;
                return Task.CompletedTask;
            };
            _server.InterceptingPublishAsync += async e =>
            {
                var seqs = Seqs(e.ApplicationMessage.Payload);
                if (e.ClientId == _hold && Interlocked.CompareExchange(ref _holding, 1, 0) == 0)
                {
                    foreach (var s in seqs) HeldSeqs.Enqueue(s);
                    try
                    {
                        await Task.Delay(Timeout.Infinite, _dying.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // The broker is going down with this message unacknowledged.
                    }

                    e.ProcessPublish = false;
                    e.CloseConnection = true;
                    return;
                }

                var queue = _seqs.GetOrAdd(e.ClientId, _ => new ConcurrentQueue<long>());
                foreach (var s in seqs)
                {
                    queue.Enqueue(s);
                    Received.Enqueue(s);
                }

                e.ProcessPublish = false;   // not forwarded, acknowledged (as the silo does)
            };
            await _server.StartAsync();
        }

        public async Task StopAsync()
        {
            if (_server is null) return;
            var stopping = _server.StopAsync();   // sockets close first: the held message can no longer be acknowledged
            await _dying.CancelAsync();
            await stopping;
            _server.Dispose();
            _server = null;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _dying.Dispose();
        }

        private static List<long> Seqs(System.Buffers.ReadOnlySequence<byte> payload)
        {
            var result = new List<long>();
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("seq"u8) && reader.Read())
                    result.Add(reader.GetInt64());
            }
            return result;
        }
    }
}
