namespace Osr.Orleans.Models.Door;

/// <summary>What <see cref="MqttHeaderGuard.Feed"/> decided about the bytes seen so far.</summary>
public enum HeaderVerdict
{
    /// <summary>Nothing wrong yet.</summary>
    Pass,

    /// <summary>A packet announces a remaining length above the limit (its body must not be read).</summary>
    TooLarge,

    /// <summary>The remaining length is not a valid variable byte integer (a fifth length byte).</summary>
    Malformed,

    /// <summary>The first packet of a connection is not a CONNECT.</summary>
    NotConnect,
}

/// <summary>
/// Follows the MQTT framing of one connection's incoming bytes (fixed header: a type byte, then the
/// remaining length as a variable byte integer of at most 4 bytes, then that many body bytes) and says
/// as soon as a packet announces more than <see cref="MaxRemainingLength"/>, before any of its body is read.
/// A value type with no allocation: one per connection, fed every chunk that is read, in order.
/// </summary>
public struct MqttHeaderGuard(int maxRemainingLength)
{
    private const byte ConnectType = 1;

    private enum State : byte { Type, Length, Body }

    private State _state;
    private int _lengthBytes;
    private long _length;
    private long _bodyLeft;

    public readonly int MaxRemainingLength => maxRemainingLength;

    /// <summary>Complete packets seen so far.</summary>
    public long Packets { get; private set; }

    /// <summary>Whether the first packet (the CONNECT) was received whole.</summary>
    public readonly bool ConnectReceived => Packets > 0;

    /// <summary>Takes the next bytes of the stream; once it returned anything but <see cref="HeaderVerdict.Pass"/> the connection must end.</summary>
    public HeaderVerdict Feed(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.Type:
                    if (Packets == 0 && bytes[i] >> 4 != ConnectType) return HeaderVerdict.NotConnect;
                    _state = State.Length;
                    _lengthBytes = 0;
                    _length = 0;
                    i++;
                    break;
                case State.Length:
                    var b = bytes[i++];
                    _length |= (long)(b & 0x7F) << (7 * _lengthBytes);
                    _lengthBytes++;
                    if (_length > maxRemainingLength) return HeaderVerdict.TooLarge;
                    if ((b & 0x80) != 0)
                    {
                        if (_lengthBytes == 4) return HeaderVerdict.Malformed;
                        continue;
                    }
                    if (_length == 0) Packets++;
                    else
                    {
                        _bodyLeft = _length;
                        _state = State.Body;
                        continue;
                    }
                    _state = State.Type;
                    break;
                default:
                    var take = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    _bodyLeft -= take;
                    i += take;
                    if (_bodyLeft == 0)
                    {
                        Packets++;
                        _state = State.Type;
                    }
                    break;
            }
        }
        return HeaderVerdict.Pass;
    }
}
