using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// Serialises readings in the wire format of docs/contract.md "Reading":
/// <c>{"seq":1042,"ts":"2026-11-23T18:02:11.250Z","hr":152,"speed":3.1,"cadence":168,"acc":2.4,"lat":52.3702,"lon":4.8952}</c>;
/// one object for a single reading, an array for a batch. A sensor that is NaN (not measured) is left
/// out; hr and cadence are whole numbers, speed and acc have two decimals, positions six (≈ 0.1 m).
/// </summary>
public static class ReadingWriter
{
    private static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText Hr = JsonEncodedText.Encode("hr");
    private static readonly JsonEncodedText Speed = JsonEncodedText.Encode("speed");
    private static readonly JsonEncodedText Cadence = JsonEncodedText.Encode("cadence");
    private static readonly JsonEncodedText Acc = JsonEncodedText.Encode("acc");
    private static readonly JsonEncodedText Lat = JsonEncodedText.Encode("lat");
    private static readonly JsonEncodedText Lon = JsonEncodedText.Encode("lon");

    /// <summary>Writes a single reading as an object, several as an array.</summary>
    public static void WriteMessage(Utf8JsonWriter writer, ReadOnlySpan<Reading> readings)
    {
        if (readings.Length == 1)
        {
            Write(writer, readings[0]);
            return;
        }

        writer.WriteStartArray();
        foreach (ref readonly var r in readings) Write(writer, r);
        writer.WriteEndArray();
    }

    public static void Write(Utf8JsonWriter writer, in Reading reading)
    {
        writer.WriteStartObject();
        writer.WriteNumber(Seq, reading.Seq);

        Span<byte> ts = stackalloc byte[32];
        var time = new DateTime(reading.TimestampUtcTicks, DateTimeKind.Utc);
        if (!time.TryFormat(ts, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
            throw new InvalidOperationException("timestamp does not fit");
        writer.WriteString(Ts, ts[..written]);

        if (reading.HasHr) writer.WriteNumber(Hr, Math.Round(reading.Hr));
        if (reading.HasSpeed) writer.WriteNumber(Speed, Math.Round(reading.Speed, 2));
        if (reading.HasCadence) writer.WriteNumber(Cadence, Math.Round(reading.Cadence));
        if (reading.HasAcc) writer.WriteNumber(Acc, Math.Round(reading.Acc, 2));
        if (reading.HasPosition && !double.IsNaN(reading.Lon))
        {
            writer.WriteNumber(Lat, Math.Round(reading.Lat, 6));
            writer.WriteNumber(Lon, Math.Round(reading.Lon, 6));
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// Serialises readings into buffers rented from <see cref="ArrayPool{T}.Shared"/>: one instance per sender
/// loop (not thread-safe) reuses its <see cref="Utf8JsonWriter"/>; each payload is a rented array that the
/// caller returns with <see cref="Return"/> once the publish completed.
/// </summary>
public sealed class PooledReadingSerializer : IDisposable
{
    private readonly RentingBufferWriter _buffer = new();
    private readonly Utf8JsonWriter _writer;

    public PooledReadingSerializer() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <summary>The payload for <paramref name="readings"/>: a rented array and the length used.</summary>
    public (byte[] Buffer, int Length) Serialize(ReadOnlySpan<Reading> readings)
    {
        _buffer.Start(64 + 160 * readings.Length);
        _writer.Reset(_buffer);
        ReadingWriter.WriteMessage(_writer, readings);
        _writer.Flush();
        return _buffer.Detach();
    }

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);

    public void Dispose() => _writer.Dispose();

    private sealed class RentingBufferWriter : IBufferWriter<byte>
    {
        private byte[] _array = [];
        private int _length;

        public void Start(int sizeHint)
        {
            _array = ArrayPool<byte>.Shared.Rent(sizeHint);
            _length = 0;
        }

        public (byte[], int) Detach()
        {
            var result = (_array, _length);
            _array = [];
            _length = 0;
            return result;
        }

        public void Advance(int count) => _length += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(_length);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(_length);
        }

        private void Ensure(int sizeHint)
        {
            if (sizeHint < 1) sizeHint = 1;
            if (_array.Length - _length >= sizeHint) return;
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _length + sizeHint));
            _array.AsSpan(0, _length).CopyTo(bigger);
            if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }
    }
}
