namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Candidates from one ALS model version (key = the version). A stateless worker: every silo
/// serves it locally from item factors loaded once per silo; it holds no truth.
/// </summary>
[Alias("osr.IAlsFactorCacheGrain")]
public interface IAlsFactorCacheGrain : IGrainWithStringKey
{
    [Alias("Recommend")]
    ValueTask<CandidateView[]> RecommendAsync(CandidateRequest request);
}

/// <summary>
/// Who asks, what they consumed (item id and summed confidence weight, for exclusion and for
/// fold-in of users the model has not seen), how many, and an optional category filter.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.candidate-request")]
public sealed record CandidateRequest(
    [property: Id(0)] string UserId,
    [property: Id(1)] string? Segment,
    [property: Id(2)] string[] ConsumedItems,
    [property: Id(3)] float[] ConsumedWeights,
    [property: Id(4)] int Count,
    [property: Id(5)] string? Category);

/// <summary>
/// One candidate. <see cref="Source"/>: <c>als</c> (trained user factor), <c>fold-in</c> (factor
/// computed from the user's own interactions), <c>popular-segment</c> or <c>popular</c> (cold start).
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.candidate-view")]
public readonly record struct CandidateView(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string Category,
    [property: Id(2)] double Affinity,
    [property: Id(3)] string Source,
    [property: Id(4)] string ModelVersion,
    [property: Id(5)] float[]? Factor = null);
