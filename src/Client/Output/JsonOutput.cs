using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Osr.Orleans.Client.Output;

/// <summary>Writes one JSON document (the whole <c>--json</c> output of a command) and a newline.</summary>
public static class JsonOutput
{
    public static async Task WriteAsync<T>(TextWriter writer, T value, JsonTypeInfo<T> typeInfo)
    {
        await writer.WriteLineAsync(JsonSerializer.Serialize(value, typeInfo)).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
    }
}
