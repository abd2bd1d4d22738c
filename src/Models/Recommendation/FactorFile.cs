using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// factors.bin: compact binary ALS factors, little-endian throughout.
/// <code>
/// offset  size  field
///      0     8  magic "OSR-ALSF" (ASCII)
///      8     4  format version (uint32) = 1
///     12     4  rank k (int32, 1…65536)
///     16     4  users (int32, ≥ 0)
///     20     4  items (int32, ≥ 0)
///     24  4·k·users  X, float32, row-major
///      …  4·k·items  Y, float32, row-major
///    end−4   4  CRC-32C (Castagnoli, reflected, init and final xor 0xFFFFFFFF) of all bytes before it
/// </code>
/// Reading validates magic, version, header ranges, the exact length implied by the header,
/// the checksum and that every value is finite, and throws <see cref="InvalidDataException"/>
/// naming the file and the problem otherwise.
/// </summary>
public static class FactorFile
{
    public const int FormatVersion = 1;
    public const int HeaderLength = 24;
    public const int MaxRank = 65536;

    private static ReadOnlySpan<byte> Magic => "OSR-ALSF"u8;

    /// <summary>Total file length for the given shape.</summary>
    public static long Length(int rank, int users, int items) => HeaderLength + (4L * rank * ((long)users + items)) + 4;

    public static void Write(string path, AlsFactors factors)
    {
        ArgumentNullException.ThrowIfNull(factors);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, factors);
        stream.Flush(flushToDisk: true);
    }

    public static void Write(Stream stream, AlsFactors factors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(factors);
        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], factors.Rank);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], factors.Users);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], factors.Items);
        var crc = Crc32C.Update(Crc32C.Initial, header);
        stream.Write(header);
        var buffer = new byte[1 << 16];
        crc = WriteFloats(stream, factors.UserFactors, buffer, crc);
        crc = WriteFloats(stream, factors.ItemFactors, buffer, crc);
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32C.Final(crc));
        stream.Write(trailer);
    }

    public static AlsFactors Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidDataException($"{path}: factor file is missing.", e);
        }

        return Read(bytes, path);
    }

    /// <summary>Parses and validates a whole factors.bin image; <paramref name="name"/> goes into error messages.</summary>
    public static AlsFactors Read(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < HeaderLength + 4)
        {
            throw new InvalidDataException($"{name}: truncated: {bytes.Length} bytes is shorter than the {HeaderLength + 4}-byte header and checksum.");
        }

        if (!bytes[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{name}: not an ALS factor file (bad magic; expected \"OSR-ALSF\").");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"{name}: unsupported factor file version {version} (this code reads version {FormatVersion}).");
        }

        var rank = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        var users = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        var items = BinaryPrimitives.ReadInt32LittleEndian(bytes[20..]);
        if (rank < 1 || rank > MaxRank || users < 0 || items < 0)
        {
            throw new InvalidDataException($"{name}: corrupt header (rank {rank}, users {users}, items {items}).");
        }

        var expected = Length(rank, users, items);
        if (bytes.Length != expected)
        {
            throw new InvalidDataException(bytes.Length < expected
                ? $"{name}: truncated: the header announces {expected} bytes (rank {rank}, {users} users, {items} items), the file has {bytes.Length}."
                : $"{name}: {bytes.Length - expected} unexpected trailing bytes after {expected} bytes announced by the header.");
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
        var actual = Crc32C.Final(Crc32C.Update(Crc32C.Initial, bytes[..^4]));
        if (stored != actual)
        {
            throw new InvalidDataException($"{name}: checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}): the file is corrupt.");
        }

        var x = ReadFloats(bytes.Slice(HeaderLength, 4 * rank * users), name, "user");
        var y = ReadFloats(bytes.Slice(HeaderLength + (4 * rank * users), 4 * rank * items), name, "item");
        return new AlsFactors(rank, users, items, x, y);
    }

    private static uint WriteFloats(Stream stream, float[] values, byte[] buffer, uint crc)
    {
        var perChunk = buffer.Length / 4;
        for (var start = 0; start < values.Length; start += perChunk)
        {
            var chunk = values.AsSpan(start, Math.Min(perChunk, values.Length - start));
            var bytes = buffer.AsSpan(0, chunk.Length * 4);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(chunk).CopyTo(bytes);
            }
            else
            {
                for (var n = 0; n < chunk.Length; n++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * n)..], chunk[n]);
                }
            }

            crc = Crc32C.Update(crc, bytes);
            stream.Write(bytes);
        }

        return crc;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> bytes, string name, string side)
    {
        var values = new float[bytes.Length / 4];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (var n = 0; n < values.Length; n++)
            {
                values[n] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * n)..]);
            }
        }

        for (var n = 0; n < values.Length; n++)
        {
            if (!float.IsFinite(values[n]))
            {
                throw new InvalidDataException($"{name}: non-finite {side} factor value at position {n}.");
            }
        }

        return values;
    }

    /// <summary>CRC-32C via <see cref="BitOperations.Crc32C(uint, ulong)"/> (hardware-accelerated where available).</summary>
    private static class Crc32C
    {
        public const uint Initial = 0xFFFFFFFF;

        public static uint Final(uint crc) => ~crc;

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            var n = 0;
            for (; n + 8 <= data.Length; n += 8)
            {
                crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[n..]));
            }

            for (; n < data.Length; n++)
            {
                crc = BitOperations.Crc32C(crc, data[n]);
            }

            return crc;
        }
    }
}
