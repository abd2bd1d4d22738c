using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Server;
using Osr.Orleans.Models.Door;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Ingress.Door;

/// <summary>
/// The broker's front door, in place of MQTTnet's own TCP listener: accepts on the plain and the TLS port, admits
/// or closes each socket (<see cref="DoorAdmission"/>), runs the TLS handshake, and hands MQTTnet a
/// <see cref="GuardedChannel"/> that refuses oversized packets before their body is read. From accept to a complete
/// CONNECT a connection has <see cref="MqttOptions.ConnectTimeout"/>; then its socket is aborted.
/// </summary>
internal sealed class DoorListener(
    MqttOptions options,
    ServerCertificates? certificates,
    DoorAdmission admission,
    ILogger logger,
    TimeProvider time) : IMqttServerAdapter
{
    /// <summary>The receive buffer of every connection: 64 KiB, ample for readings (a full 64 KiB payload takes one more round trip).</summary>
    public const int ReceiveWindow = 64 * 1024;

    private readonly List<Socket> _listeners = [];
    private CancellationTokenSource? _stopping;
    private MqttServerOptions _serverOptions = null!;
    private IMqttNetLogger _mqttLogger = null!;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The ports actually bound (plain, TLS; 0 when off).</summary>
    public int PlainPort { get; private set; }
    public int TlsPort { get; private set; }

    public Task StartAsync(MqttServerOptions serverOptions, IMqttNetLogger logger)
    {
        _serverOptions = serverOptions;
        _mqttLogger = logger;
        _stopping = new CancellationTokenSource();
        if (options.Port > 0) PlainPort = Listen(options.Port, tls: false);
        if (certificates is not null) TlsPort = Listen(options.TlsPort, tls: true);
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        _stopping?.Cancel();
        foreach (var socket in _listeners) socket.Dispose();
        _listeners.Clear();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _ = StopAsync();
        _stopping?.Dispose();
    }

    private int Listen(int port, bool tls)
    {
        var bind = options.ParsedBindAddress;
        // A fixed receive window (inherited by accepted sockets): a peer can push only this much before the
        // broker reads, so a flood of oversized packets costs neither side much beyond their first bytes.
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = ReceiveWindow };
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
            socket.Bind(new IPEndPoint(bind, port));
            socket.Listen(options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _listeners.Add(socket);
        _ = Task.Run(() => AcceptLoopAsync(socket, port, tls, _stopping!.Token));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private async Task AcceptLoopAsync(Socket listener, int port, bool tls, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue; // the peer gave up while queued
            }
            catch (Exception ex)
            {
                DoorLog.AcceptFailed(logger, ex, port);
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            IPEndPoint remote;
            try
            {
                remote = (IPEndPoint)socket.RemoteEndPoint!;
                if (admission.TryAdmit(remote.Address) is { } refusal)
                {
                    admission.Refused(refusal, remote);
                    socket.LingerState = new LingerOption(true, 0); // reset: nothing of it is kept
                    socket.Dispose();
                    continue;
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                socket.Dispose(); // gone before it was admitted or refused; the loop goes on
                continue;
            }
            _ = Task.Run(() => ServeAsync(socket, remote, tls, stopping), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, IPEndPoint remote, bool tls, CancellationToken stopping)
    {
        using var deadline = new CancellationTokenSource(options.ConnectTimeout, time);
        // The deadline aborts the socket: pending reads and the handshake end at once.
        await using var abort = deadline.Token.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket).ConfigureAwait(false);
        Stream? stream = null;
        try
        {
            // Inside the try: a socket aborted already fails here, and its slot is still released below.
            stream = new NetworkStream(socket, ownsSocket: true);
            X509Certificate2? clientCertificate = null;
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsServerAsync(certificates!.ForHandshake(), deadline.Token).ConfigureAwait(false);
                clientCertificate = ssl.RemoteCertificate switch
                {
                    null => null,
                    X509Certificate2 c => c,
                    var c => X509CertificateLoader.LoadCertificate(c.GetRawCertData()),
                };
            }
            var channel = new GuardedChannel(stream, socket, (EndPoint)socket.LocalEndPoint!, remote, clientCertificate,
                options.MaxPacketBytes, deadline, verdict => admission.Refused(Describe(verdict), remote));
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_serverOptions.WriterBufferSize, _serverOptions.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger);
            if (ClientHandler is { } handler) await handler(adapter).ConfigureAwait(false);
            if (deadline.IsCancellationRequested && !stopping.IsCancellationRequested) admission.Refused("no complete CONNECT in time", remote);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One connection's failure (a reset, a failed handshake, the deadline) ends that connection only.
            if (deadline.IsCancellationRequested && !stopping.IsCancellationRequested) admission.Refused("no complete CONNECT in time", remote);
            else DoorLog.Dropped(logger, ex, remote.ToString());
        }
        finally
        {
            admission.Release(); // first: nothing below may keep the slot taken
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
        }
    }

    private static string Describe(HeaderVerdict verdict) => verdict switch
    {
        HeaderVerdict.TooLarge => "packet larger than the limit",
        HeaderVerdict.NotConnect => "first packet is not a CONNECT",
        _ => "malformed packet length",
    };
}
