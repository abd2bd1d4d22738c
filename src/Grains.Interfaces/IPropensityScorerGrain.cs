namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Propensity P(accept | state, item category) from one model version (key = the version, or
/// <c>prior</c> for the neutral prior). A stateless worker: every silo scores locally from a
/// model loaded once per silo.
/// </summary>
[Alias("osr.IPropensityScorerGrain")]
public interface IPropensityScorerGrain : IGrainWithStringKey
{
    /// <summary>One probability per category, in order, for one state.</summary>
    [Alias("Score")]
    ValueTask<double[]> ScoreAsync(PropensityRequest request);
}

/// <summary>The state (activity label and the features, NaN = unknown) and the candidates' categories.</summary>
[GenerateSerializer, Immutable, Alias("osr.propensity-request")]
public sealed record PropensityRequest(
    [property: Id(0)] string Label,
    [property: Id(1)] double[] Features,
    [property: Id(2)] string[] Categories);
