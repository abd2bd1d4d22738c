using System.Text.Json.Serialization;

namespace Osr.Orleans.Benchmarks.Decisions;

/// <summary>The JSON the decisions benchmark's child processes write for the driver.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ProbeResult))]
[JsonSerializable(typeof(ScoringResult))]
internal sealed partial class DecisionsJsonContext : JsonSerializerContext;
