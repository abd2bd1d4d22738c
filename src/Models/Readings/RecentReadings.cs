using System.Buffers.Binary;

namespace Osr.Orleans.Models.Readings;

/// <summary>One remembered reading and the index of the device that sent it in the user's device list.</summary>
public readonly record struct RecentReading(int DeviceIndex, Reading Reading);

/// <summary>
/// The last <see cref="Capacity"/> readings of one user, for the console (<c>user show</c>), kept compact and lossless:
/// each reading is one variable-length record in a byte array instead of a 72-byte slot. A record holds its length,
/// two bytes of value kinds, the device index, seq and timestamp as differences to the record before (the oldest
/// record's own values are kept in fields), then every measured value as the shortest of: nothing (NaN, not measured),
/// a whole number, a decimal k / 10^d that gives back exactly the same double, or the 8 raw bytes. A watch's reading
/// (whole-number HR and cadence, raw acceleration) takes ≈ 22 bytes. Decoding returns bit-identical readings.
/// Adding allocates only when the array has to grow (rarely once the log is full). Not thread-safe (one grain owns it).
/// </summary>
public sealed class RecentReadings
{
    private const int ValueCount = 6;
    private const byte KindMissing = 0, KindWhole = 1, KindDecimal = 2, KindRaw = 3;

    /// <summary>Largest record: length, kinds, device (5), seq and ticks deltas (10 each), six values of at most 11 bytes.</summary>
    private const int MaxRecord = 1 + 2 + 5 + 10 + 10 + ValueCount * 11;

    private const int MaxDecimals = 9;
    private const double MaxExactInteger = 9007199254740992.0; // 2^53

    private static readonly double[] Pow10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

    private byte[] _buffer = [];
    private int _length;
    private int _count;
    private long _firstSeq, _firstTicks, _lastSeq, _lastTicks;

    /// <param name="capacity">How many readings are kept (≥ 1); the oldest goes when one more is added.</param>
    public RecentReadings(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _count;

    /// <summary>Bytes held for the records (the array may be somewhat larger).</summary>
    internal int EncodedBytes => _length;

    /// <summary>Remembers <paramref name="reading"/> of the device at <paramref name="deviceIndex"/> (≥ 0), dropping the oldest when full.</summary>
    public void Add(int deviceIndex, in Reading reading)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceIndex);
        if (_count == Capacity) DropOldest();
        var first = _count == 0;
        if (first)
        {
            _firstSeq = reading.Seq;
            _firstTicks = reading.TimestampUtcTicks;
        }

        // The oldest record's differences are never read (its values are in the fields): zero, one byte each.
        Span<byte> record = stackalloc byte[MaxRecord];
        var size = Encode(record, deviceIndex, in reading, first ? 0 : unchecked(reading.Seq - _lastSeq),
            first ? 0 : unchecked(reading.TimestampUtcTicks - _lastTicks));

        if (_length + size > _buffer.Length)
        {
            // First: room for Capacity records like this one; later: what is needed and one more such record.
            var grown = _buffer.Length == 0 ? size * Capacity : _length + 2 * size;
            var bigger = new byte[Math.Max(grown, _length + size)];
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            _buffer = bigger;
        }

        record[..size].CopyTo(_buffer.AsSpan(_length));
        _length += size;
        _count++;
        _lastSeq = reading.Seq;
        _lastTicks = reading.TimestampUtcTicks;
    }

    /// <summary>The remembered readings, oldest first.</summary>
    public RecentReading[] ToArray()
    {
        var result = new RecentReading[_count];
        var buffer = _buffer.AsSpan(0, _length);
        var offset = 0;
        long seq = 0, ticks = 0;
        Span<double> v = stackalloc double[ValueCount];
        for (var i = 0; i < _count; i++)
        {
            var start = offset;
            var (device, dSeq, dTicks) = Header(buffer, ref offset);
            (seq, ticks) = i == 0 ? (_firstSeq, _firstTicks) : (unchecked(seq + dSeq), unchecked(ticks + dTicks));
            var kinds = BinaryPrimitives.ReadUInt16LittleEndian(buffer[(start + 1)..]);
            for (var k = 0; k < ValueCount; k++) v[k] = ReadValue(buffer, ref offset, (kinds >> (2 * k)) & 3);
            result[i] = new RecentReading(device, new Reading(seq, ticks, v[0], v[1], v[2], v[3], v[4], v[5]));
            offset = start + buffer[start];
        }

        return result;
    }

    private void DropOldest()
    {
        var first = _buffer[0];
        if (_count > 1)
        {
            var offset = (int)first;
            var (_, dSeq, dTicks) = Header(_buffer, ref offset);
            _firstSeq = unchecked(_firstSeq + dSeq);
            _firstTicks = unchecked(_firstTicks + dTicks);
        }

        _buffer.AsSpan(first, _length - first).CopyTo(_buffer);
        _length -= first;
        _count--;
    }

    private static int Encode(Span<byte> record, int deviceIndex, in Reading r, long dSeq, long dTicks)
    {
        var offset = 3;
        WriteVarint(record, ref offset, (ulong)deviceIndex);
        WriteVarint(record, ref offset, ZigZag(dSeq));
        WriteVarint(record, ref offset, ZigZag(dTicks));
        var kinds = 0;
        kinds |= WriteValue(record, ref offset, r.Hr);
        kinds |= WriteValue(record, ref offset, r.Speed) << 2;
        kinds |= WriteValue(record, ref offset, r.Cadence) << 4;
        kinds |= WriteValue(record, ref offset, r.Acc) << 6;
        kinds |= WriteValue(record, ref offset, r.Lat) << 8;
        kinds |= WriteValue(record, ref offset, r.Lon) << 10;
        record[0] = (byte)offset;
        BinaryPrimitives.WriteUInt16LittleEndian(record[1..], (ushort)kinds);
        return offset;
    }

    private static (int Device, long DSeq, long DTicks) Header(ReadOnlySpan<byte> buffer, ref int offset)
    {
        offset += 3;
        var device = (int)ReadVarint(buffer, ref offset);
        var dSeq = UnZigZag(ReadVarint(buffer, ref offset));
        var dTicks = UnZigZag(ReadVarint(buffer, ref offset));
        return (device, dSeq, dTicks);
    }

    /// <summary>Writes <paramref name="x"/> in its shortest exact form and returns its kind.</summary>
    private static int WriteValue(Span<byte> record, ref int offset, double x)
    {
        if (double.IsNaN(x)) return KindMissing;
        var bits = BitConverter.DoubleToInt64Bits(x);
        if (Math.Abs(x) < MaxExactInteger)
        {
            var whole = (long)x;
            if (BitConverter.DoubleToInt64Bits(whole) == bits && VarintLength(ZigZag(whole)) < sizeof(double))
            {
                WriteVarint(record, ref offset, ZigZag(whole));
                return KindWhole;
            }

            for (var d = 1; d <= MaxDecimals; d++)
            {
                var scaled = Math.Round(x * Pow10[d]);
                if (Math.Abs(scaled) >= MaxExactInteger) break;
                var k = (long)scaled;
                if (BitConverter.DoubleToInt64Bits(k / Pow10[d]) != bits) continue;
                if (1 + VarintLength(ZigZag(k)) >= sizeof(double)) break;
                record[offset++] = (byte)d;
                WriteVarint(record, ref offset, ZigZag(k));
                return KindDecimal;
            }
        }

        BinaryPrimitives.WriteInt64LittleEndian(record[offset..], bits);
        offset += sizeof(double);
        return KindRaw;
    }

    private static double ReadValue(ReadOnlySpan<byte> buffer, ref int offset, int kind)
    {
        switch (kind)
        {
            case KindMissing:
                return double.NaN;
            case KindWhole:
                return UnZigZag(ReadVarint(buffer, ref offset));
            case KindDecimal:
                var d = buffer[offset++];
                return UnZigZag(ReadVarint(buffer, ref offset)) / Pow10[d];
            default:
                var bits = BinaryPrimitives.ReadInt64LittleEndian(buffer[offset..]);
                offset += sizeof(double);
                return BitConverter.Int64BitsToDouble(bits);
        }
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    private static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    private static int VarintLength(ulong v)
    {
        var n = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            n++;
        }

        return n;
    }

    private static void WriteVarint(Span<byte> buffer, ref int offset, ulong v)
    {
        while (v >= 0x80)
        {
            buffer[offset++] = (byte)(v | 0x80);
            v >>= 7;
        }

        buffer[offset++] = (byte)v;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> buffer, ref int offset)
    {
        ulong v = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = buffer[offset++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
        }
    }
}
