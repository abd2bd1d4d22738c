using System.Buffers;
using System.Text.Json;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>The payload of a device's <c>errors</c> topic: <c>{"seq":…,"reason":"…","detail":"…"}</c>.</summary>
internal static class ErrorMessage
{
    public static byte[] Serialize(long? seq, RejectReason reason, string? detail)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (seq is { } s) w.WriteNumber("seq"u8, s);
            else w.WriteNull("seq"u8);
            w.WriteString("reason"u8, reason.Code());
            if (detail is not null) w.WriteString("detail"u8, detail);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
