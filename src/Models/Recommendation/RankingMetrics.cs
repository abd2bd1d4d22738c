namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Top-K ranking quality averaged over the evaluated users (definitions in
/// docs/recommendation.md and on <see cref="AlsEvaluation.UserMetrics"/>): recall@K,
/// precision@K, NDCG@K, MAP@K, and catalogue coverage@K = |∪_u L_u| / items.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.ranking-metrics")]
public sealed record RankingMetrics(
    [property: Id(0)] int K,
    [property: Id(1)] int Users,
    [property: Id(2)] double Recall,
    [property: Id(3)] double Precision,
    [property: Id(4)] double Ndcg,
    [property: Id(5)] double Map,
    [property: Id(6)] double Coverage)
{
    /// <summary>{"recall@K", "precision@K", "ndcg@K", "map@K", "coverage@K"}, each key prefixed (e.g. "popularity.").</summary>
    public IEnumerable<KeyValuePair<string, double>> Named(string prefix = "")
    {
        yield return new($"{prefix}recall@{K}", Recall);
        yield return new($"{prefix}precision@{K}", Precision);
        yield return new($"{prefix}ndcg@{K}", Ndcg);
        yield return new($"{prefix}map@{K}", Map);
        yield return new($"{prefix}coverage@{K}", Coverage);
    }

    public override string ToString() =>
        $"users={Users} recall@{K}={Recall:F4} precision@{K}={Precision:F4} ndcg@{K}={Ndcg:F4} map@{K}={Map:F4} coverage@{K}={Coverage:F4}";
}
