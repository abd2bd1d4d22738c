using Osr.Orleans.Models.Door;

namespace Osr.Orleans.UnitTests.Door;

public sealed class MqttHeaderGuardTests
{
    private static HeaderVerdict FeedByteByByte(ref MqttHeaderGuard guard, byte[] bytes)
    {
        foreach (var b in bytes)
        {
            var verdict = guard.Feed([b]);
            if (verdict != HeaderVerdict.Pass) return verdict;
        }
        return HeaderVerdict.Pass;
    }

    [Fact]
    public void ALengthAboveTheLimitIsRefusedAsSoonAsItsBytesShowIt()
    {
        var guard = new MqttHeaderGuard(2048);

        // 0x10 CONNECT, then 0xFF: 127 so far and more to come; 0xFF: 16 383 already > 2048.
        guard.Feed([0x10, 0xFF]).Should().Be(HeaderVerdict.Pass);
        guard.Feed([0xFF]).Should().Be(HeaderVerdict.TooLarge);
    }

    [Theory]
    [InlineData(2048, HeaderVerdict.Pass)]
    [InlineData(2049, HeaderVerdict.TooLarge)]
    [InlineData(268_435_455, HeaderVerdict.TooLarge)]
    public void TheLimitIsInclusive(int announced, HeaderVerdict expected)
    {
        var guard = new MqttHeaderGuard(2048);

        FeedByteByByte(ref guard, Header(0x10, announced)).Should().Be(expected);
    }

    [Fact]
    public void PacketsAreFollowedAcrossChunksOfAnySize()
    {
        var guard = new MqttHeaderGuard(300);
        var stream = new List<byte>();
        stream.AddRange(Header(0x10, 200)); stream.AddRange(new byte[200]); // CONNECT
        stream.AddRange(Header(0x30, 130)); stream.AddRange(new byte[130]); // PUBLISH
        stream.AddRange(Header(0xC0, 0)); // PINGREQ, no body
        stream.AddRange(Header(0x30, 301)); // too large
        var bytes = stream.ToArray();

        foreach (var chunk in new[] { 1, 2, 7, 64, bytes.Length })
        {
            var g = new MqttHeaderGuard(300);
            var verdict = HeaderVerdict.Pass;
            for (var i = 0; i < bytes.Length && verdict == HeaderVerdict.Pass; i += chunk)
                verdict = g.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
            verdict.Should().Be(HeaderVerdict.TooLarge, $"chunks of {chunk}");
            g.Packets.Should().Be(3);
        }
        guard.Feed(bytes.AsSpan(0, bytes.Length - 3)).Should().Be(HeaderVerdict.Pass);
        guard.ConnectReceived.Should().BeTrue();
    }

    [Fact]
    public void TheFirstPacketMustBeAConnect()
    {
        var guard = new MqttHeaderGuard(1000);

        guard.Feed([0x30]).Should().Be(HeaderVerdict.NotConnect);
    }

    [Fact]
    public void AFifthLengthByteIsMalformed()
    {
        var guard = new MqttHeaderGuard(int.MaxValue);

        guard.Feed([0x10, 0x80, 0x80, 0x80, 0x80]).Should().Be(HeaderVerdict.Malformed);
    }

    [Fact]
    public void TheConnectIsReceivedOnlyWhenItsLastByteArrived()
    {
        var guard = new MqttHeaderGuard(1000);

        guard.Feed([0x10, 3, 0, 0]);
        guard.ConnectReceived.Should().BeFalse();
        guard.Feed([0]);
        guard.ConnectReceived.Should().BeTrue();
    }

    [Fact]
    public void FeedingAllocatesNothing()
    {
        var guard = new MqttHeaderGuard(1 << 20);
        var bytes = Header(0x10, 500).Concat(new byte[500]).Concat(Header(0x30, 100)).Concat(new byte[100]).ToArray();
        guard.Feed(bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) guard.Feed(bytes.AsSpan(bytes.Length - 102));
        GC.GetAllocatedBytesForCurrentThread().Should().Be(before);
    }

    private static byte[] Header(byte type, int length)
    {
        var bytes = new List<byte> { type };
        do
        {
            var b = (byte)(length % 128);
            length /= 128;
            if (length > 0) b |= 0x80;
            bytes.Add(b);
        } while (length > 0);
        return [.. bytes];
    }
}
