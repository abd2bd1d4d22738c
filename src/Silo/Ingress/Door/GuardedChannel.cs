using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using Osr.Orleans.Models.Door;

namespace Osr.Orleans.Silo.Ingress.Door;

/// <summary>
/// One accepted connection as MQTTnet reads it: every chunk read is passed through an <see cref="MqttHeaderGuard"/>
/// before MQTTnet sees it. A packet announcing more than the limit, a first packet that is not a CONNECT, or a
/// malformed length ends the connection right there (the read returns 0, "closed"), so MQTTnet never allocates
/// the announced body. The connect deadline (<paramref name="deadline"/>, which aborts the socket when it fires)
/// is disarmed once the CONNECT packet arrived whole.
/// </summary>
internal sealed class GuardedChannel(
    Stream stream,
    Socket socket,
    EndPoint localEndPoint,
    EndPoint remoteEndPoint,
    X509Certificate2? clientCertificate,
    int maxPacketBytes,
    CancellationTokenSource deadline,
    Action<HeaderVerdict> onRefused) : IMqttChannel
{
    private MqttHeaderGuard _guard = new(maxPacketBytes);
    private bool _closed;

    public X509Certificate2? ClientCertificate => clientCertificate;
    public EndPoint RemoteEndPoint => remoteEndPoint;
    public EndPoint LocalEndPoint => localEndPoint;
    public bool IsSecureConnection => stream is System.Net.Security.SslStream;

    public Task ConnectAsync(CancellationToken cancellationToken) => throw new NotSupportedException("a server-side channel is connected already");

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Close();
        return Task.CompletedTask;
    }

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_closed) return CompletedReads.Of(0);
        // Data already received (the rest of a packet whose header was awaited): no state machine, and a completed
        // task shared by every read of that length rather than a new one per read.
        try
        {
            var pending = stream.ReadAsync(buffer.AsMemory(offset, count), cancellationToken);
            return pending.IsCompletedSuccessfully
                ? CompletedReads.Of(Admit(buffer, offset, pending.Result))
                : ReadLaterAsync(pending, buffer, offset);
        }
        catch (Exception ex)
        {
            return Task.FromException<int>(ex); // as an async method would: MQTTnet sees a faulted read, not a throw
        }
    }

    private async Task<int> ReadLaterAsync(ValueTask<int> pending, byte[] buffer, int offset) =>
        Admit(buffer, offset, await pending.ConfigureAwait(false));

    /// <summary>The bytes just read through the guard: how many MQTTnet may see (0 = closed).</summary>
    private int Admit(byte[] buffer, int offset, int read)
    {
        if (read == 0) return 0;
        var connected = _guard.ConnectReceived;
        var verdict = _guard.Feed(buffer.AsSpan(offset, read));
        if (verdict != HeaderVerdict.Pass)
        {
            onRefused(verdict);
            Close(reset: true);
            return 0;
        }
        if (!connected && _guard.ConnectReceived) deadline.TryReset();
        return read;
    }

    public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        foreach (var segment in buffer)
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        if (isEndOfPacket) await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => Close();

    private void Close(bool reset = false)
    {
        if (_closed) return;
        _closed = true;
        try
        {
            if (reset) socket.LingerState = new LingerOption(true, 0); // a refused peer gets a reset: nothing lingers
            else socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already gone
        }
        stream.Dispose();
        socket.Dispose();
    }
}
