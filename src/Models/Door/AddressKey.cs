using System.Net;

namespace Osr.Orleans.Models.Door;

/// <summary>
/// The key under which connections from one place are counted: an IPv4 address as is (also when it arrives
/// IPv4-mapped on an IPv6 socket), an IPv6 address by its /64 prefix (one subscriber usually holds a whole /64).
/// </summary>
public static class AddressKey
{
    public static UInt128 Of(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return (UInt128)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }
        address.TryWriteBytes(bytes, out _);
        var prefix = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return new UInt128(prefix, 0) | ((UInt128)1 << 32); // never equal to an IPv4 key
    }
}
