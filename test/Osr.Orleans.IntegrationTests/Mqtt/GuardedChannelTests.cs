using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Osr.Orleans.Models.Door;
using Osr.Orleans.Silo.Ingress.Door;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// The front door's channel on its own stream: what MQTTnet reads passes the header guard, and a read that completes at
/// once costs no task of its own (docs/benchmarks.md, "the diet").
/// </summary>
public sealed class GuardedChannelTests : IDisposable
{
    private static readonly byte[] Connect = [0x10, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // longer than the 8 bytes the runtime caches tasks for
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _deadline = new();
    private readonly List<HeaderVerdict> _refused = [];

    public void Dispose()
    {
        _socket.Dispose();
        _deadline.Dispose();
    }

    private GuardedChannel Channel(Stream stream) => new(stream, _socket, new IPEndPoint(IPAddress.Loopback, 1883),
        new IPEndPoint(IPAddress.Loopback, 50000), null, 1024, _deadline, _refused.Add);

    [Fact]
    public async Task AReadThatCompletesAtOnceReturnsASharedTaskAndAllocatesNothing()
    {
        var data = new byte[4096];
        for (var i = 0; i < 10; i++) Connect.CopyTo(data, i * Connect.Length);
        var channel = Channel(new MemoryStream(data));
        var buffer = new byte[Connect.Length];

        var first = channel.ReadAsync(buffer, 0, Connect.Length, CancellationToken.None);
        var second = channel.ReadAsync(buffer, 0, Connect.Length, CancellationToken.None);
        var least = long.MaxValue;
        for (var i = 0; i < 5 && least != 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            _ = channel.ReadAsync(buffer, 0, Connect.Length, CancellationToken.None);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        first.IsCompletedSuccessfully.Should().BeTrue();
        (await first).Should().Be(Connect.Length);
        second.Should().BeSameAs(first);
        buffer.Should().Equal(Connect);
        least.Should().Be(0);
        _refused.Should().BeEmpty();
    }

    [Fact]
    public async Task AReadThatWaitsForDataPassesTheGuardWhenItArrives()
    {
        var pipe = new Pipe();
        var channel = Channel(pipe.Reader.AsStream());
        var buffer = new byte[32];

        var read = channel.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None);
        read.IsCompleted.Should().BeFalse();
        await pipe.Writer.WriteAsync(Connect);

        (await read).Should().Be(Connect.Length);
        buffer.AsSpan(0, Connect.Length).ToArray().Should().Equal(Connect);
        _refused.Should().BeEmpty();
    }

    [Fact]
    public async Task AFirstPacketThatIsNotAConnectEndsTheConnectionOnTheImmediatePathToo()
    {
        var channel = Channel(new MemoryStream([0x30, 0x02, 0, 0]));

        (await channel.ReadAsync(new byte[4], 0, 4, CancellationToken.None)).Should().Be(0);

        _refused.Should().ContainSingle();
        (await channel.ReadAsync(new byte[4], 0, 4, CancellationToken.None)).Should().Be(0, "the channel is closed");
    }
}
