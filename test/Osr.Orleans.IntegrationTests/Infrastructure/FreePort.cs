using System.Net;
using System.Net.Sockets;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// TCP ports for the servers a test starts (MQTT listeners, silo and gateway ports, webhook receivers).
/// <para>Not port 0 and not the kernel's ephemeral range (32768–60999 here): a port picked from that
/// range and released can be handed out again — to the next pick, or as the source port of any
/// outgoing connection — before the server binds it, which failed a run with "Address already in
/// use". Ports come from [20000, 32000) instead, each at most once per process (a counter from a
/// per-process offset, so that test processes running side by side start far apart), and each is
/// checked to be bindable on every address when picked.</para>
/// </summary>
internal static class FreePort
{
    private const int First = 20_000;
    private const int Count = 12_000;
    private static int _next = (Environment.ProcessId * 7_919) % Count;

    /// <summary>A TCP port no other caller in this process got, free on all addresses a moment ago.</summary>
    public static int Next()
    {
        for (var tries = 0; tries < Count; tries++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free TCP port in [{First}, {First + Count})");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
