using System.Net.Sockets;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>A raw TCP peer that speaks bytes, not MQTT: for what a well-behaved client never sends.</summary>
internal sealed class HostilePeer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    private bool _resetAtConnect;

    /// <summary>Connects; a server that resets the connection at once (refused at the door) gives a peer that is closed.</summary>
    public static async Task<HostilePeer> ConnectAsync(int port)
    {
        var peer = new HostilePeer();
        try
        {
            await peer._socket.ConnectAsync("127.0.0.1", port);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            peer._resetAtConnect = true;
        }
        return peer;
    }

    /// <summary>A fixed header: CONNECT (0x10) announcing <paramref name="remainingLength"/> bytes of body.</summary>
    public static byte[] Header(int remainingLength, byte type = 0x10)
    {
        var bytes = new List<byte> { type };
        do
        {
            var b = (byte)(remainingLength % 128);
            remainingLength /= 128;
            if (remainingLength > 0) b |= 0x80;
            bytes.Add(b);
        } while (remainingLength > 0);
        return [.. bytes];
    }

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes);

    /// <summary>Sends and reports whether the server had closed the connection (a reset) instead of throwing.</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _socket.SendAsync(bytes);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the server closed the connection within <paramref name="within"/>: a read ends (0 bytes, or a
    /// reset) instead of waiting. Bytes the server sends first (none before a CONNECT) would count as open.
    /// </summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan within)
    {
        if (_resetAtConnect) return true;
        using var limit = new CancellationTokenSource(within);
        var buffer = new byte[64];
        try
        {
            return await _socket.ReceiveAsync(buffer, limit.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();
}
