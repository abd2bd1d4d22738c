using System.Diagnostics;

namespace Osr.Orleans.Grains.Metrics;

/// <summary>
/// The project's <see cref="ActivitySource"/> (<c>Osr.Orleans</c>, like its meter): one trace per message through
/// ingress → <c>UserStateGrain</c> → scoring → throttle → push, the grain calls between them traced by Orleans' own
/// activity propagation. Exported by OTLP when <c>Osr:Ops:Otlp:Endpoint</c> is set (docs/operations.md, "Traces");
/// without a listener <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and costs nothing.
/// </summary>
public static class OsrTracing
{
    public const string SourceName = IngestCounters.MeterName;

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Span names: stable, documented, asserted by the tracing test.</summary>
    public const string Ingest = "osr.ingest";
    public const string Score = "osr.score";
    public const string Decide = "osr.decide";
    public const string Push = "osr.push";
}
