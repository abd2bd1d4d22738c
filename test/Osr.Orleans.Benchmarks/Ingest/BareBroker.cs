using System.Net;
using System.Runtime.InteropServices;
using MQTTnet;
using MQTTnet.Server;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>
/// <c>ingest bare-broker --port P [--bind 127.0.0.1]</c>: an MQTTnet broker with the silo ingress's server
/// options (<see cref="Silo.Ingress.MqttIngress"/>: connection backlog, no persistent sessions, one plain
/// endpoint bound to one address) that accepts any credentials and drops every publish
/// (<c>ProcessPublish = false</c>, so MQTTnet acknowledges it at once): no parsing, no grains. Run against
/// the same load it shows what MQTT alone costs on this machine. Prints "Application started" when listening,
/// like the silo, and stops on SIGTERM or SIGINT.
/// </summary>
internal static class BareBroker
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = 1883;
        var bind = IPAddress.Loopback;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var p) && p is > 0 and < 65536:
                    port = p;
                    i++;
                    break;
                case "--bind" when i + 1 < args.Length && IPAddress.TryParse(args[i + 1], out var ip):
                    bind = ip;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: ingest bare-broker [--port P] [--bind IP]").ConfigureAwait(false);
                    return 2;
            }
        }

        var defaults = new MqttOptions();
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder()
            .WithConnectionBacklog(defaults.Backlog)
            .WithPersistentSessions(false)
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(port);
        builder = bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? builder.WithDefaultEndpointBoundIPV6Address(bind).WithDefaultEndpointBoundIPAddress(IPAddress.None)
            : builder.WithDefaultEndpointBoundIPAddress(bind).WithDefaultEndpointBoundIPV6Address(IPAddress.None);

        using var server = factory.CreateMqttServer(builder.Build());
        var connected = 0;
        long messages = 0;
        server.ValidatingConnectionAsync += e =>
        {
            e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.Success;   // any credentials
            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += e =>
        {
            e.ProcessPublish = false;   // acknowledged (PUBACK success), not forwarded
            Interlocked.Increment(ref messages);
            return Task.CompletedTask;
        };
        server.ClientConnectedAsync += _ => { Interlocked.Increment(ref connected); return Task.CompletedTask; };
        server.ClientDisconnectedAsync += _ => { Interlocked.Decrement(ref connected); return Task.CompletedTask; };

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

        await server.StartAsync().ConfigureAwait(false);
        Console.WriteLine($"bare MQTT broker listening on {bind}:{port}");
        Console.WriteLine("Application started");
        await stop.Task.ConfigureAwait(false);
        await server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        Console.WriteLine($"stopped after {Interlocked.Read(ref messages)} messages; {Volatile.Read(ref connected)} clients were connected");
        return 0;
    }
}
