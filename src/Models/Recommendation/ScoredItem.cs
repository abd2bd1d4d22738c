namespace Osr.Orleans.Models.Recommendation;

/// <summary>An item index with its score (predicted preference x_uᵀy_i, or a popularity count).</summary>
[GenerateSerializer, Immutable, Alias("osr.scored-item")]
public readonly record struct ScoredItem([property: Id(0)] int Item, [property: Id(1)] float Score);
