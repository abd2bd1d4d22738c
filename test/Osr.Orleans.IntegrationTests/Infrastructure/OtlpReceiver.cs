using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A stand-in for an OpenTelemetry collector on loopback: accepts OTLP/HTTP protobuf trace exports at
/// <c>/v1/traces</c> and keeps every span's trace id, span id, parent span id and name. Reads only those four
/// fields of the OTLP wire format (ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span).
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Span> _spans = new();

    public readonly record struct Span(string TraceId, string SpanId, string ParentSpanId, string Name);

    private OtlpReceiver(WebApplication app) => _app = app;

    public IReadOnlyCollection<Span> Spans => _spans;

    public int Port { get; private set; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var receiver = new OtlpReceiver(builder.Build());
        receiver._app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in Read(body.ToArray())) receiver._spans.Enqueue(span);
            return Results.Ok();
        });
        await receiver._app.StartAsync();
        receiver.Port = new Uri(receiver._app.Urls.First()).Port;
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>The spans of one export request (fields 1 → 2 → 2 nest resource spans, scope spans and spans).</summary>
    private static IEnumerable<Span> Read(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        foreach (var scopeSpans in Fields(resourceSpans, 2))
        foreach (var span in Fields(scopeSpans, 2))
        {
            string traceId = "", spanId = "", parent = "", name = "";
            foreach (var (field, value) in LengthDelimited(span))
            {
                switch (field)
                {
                    case 1: traceId = Convert.ToHexStringLower(value); break;
                    case 2: spanId = Convert.ToHexStringLower(value); break;
                    case 4: parent = Convert.ToHexStringLower(value); break;
                    case 5: name = Encoding.UTF8.GetString(value); break;
                }
            }
            yield return new Span(traceId, spanId, parent, name);
        }
    }

    private static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        LengthDelimited(message).Where(f => f.Field == number).Select(f => f.Value);

    /// <summary>The length-delimited fields of a protobuf message; other wire types are skipped.</summary>
    private static List<(int Field, byte[] Value)> LengthDelimited(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var i = 0;
        while (i < message.Length)
        {
            var key = Varint(message, ref i);
            var field = (int)(key >> 3);
            switch (key & 7)
            {
                case 0: Varint(message, ref i); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2:
                    var length = (int)Varint(message, ref i);
                    fields.Add((field, message.AsSpan(i, length).ToArray()));
                    i += length;
                    break;
                default: throw new FormatException($"unexpected protobuf wire type {key & 7} at byte {i}");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] message, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
