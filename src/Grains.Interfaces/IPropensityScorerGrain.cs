namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Propensity P(accept | state, item category) from one model version (key = the version,
/// <c>prior</c> for the neutral prior, <c>online</c> for the online model). A stateless worker:
/// every silo scores locally from a model loaded once per silo (the online posterior: this silo's
/// periodically refreshed copy).
/// </summary>
[Alias("osr.IPropensityScorerGrain")]
public interface IPropensityScorerGrain : IGrainWithStringKey
{
    /// <summary>One probability per category, in order, for one state (the posterior mean for the online model).</summary>
    [Alias("Score")]
    ValueTask<double[]> ScoreAsync(PropensityRequest request);

    /// <summary>
    /// The posterior mean per category and <see cref="PropensityRequest.Draws"/> + 1 posterior draws
    /// (Thompson sampling; row 0 is the draw the decision acts on). A batch model or the prior has no
    /// posterior: every row is its score.
    /// </summary>
    [Alias("Sample")]
    ValueTask<PropensitySample> SampleAsync(PropensityRequest request);
}

/// <summary>
/// The state (activity label, the features with NaN = unknown, the segment), the candidates'
/// categories, and for <see cref="IPropensityScorerGrain.SampleAsync"/> the seed of the draws and
/// how many estimation draws follow the acting one.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.propensity-request")]
public sealed record PropensityRequest(
    [property: Id(0)] string Label,
    [property: Id(1)] double[] Features,
    [property: Id(2)] string[] Categories,
    [property: Id(3)] string? Segment = null,
    [property: Id(4)] ulong Seed = 0,
    [property: Id(5)] int Draws = 0,
    [property: Id(6)] double Spread = 1);

/// <summary><see cref="Mean"/>: one probability per category; <see cref="Draws"/>: (Draws + 1) rows of one per category, row-major.</summary>
[GenerateSerializer, Immutable, Alias("osr.propensity-sample")]
public sealed record PropensitySample(
    [property: Id(0)] double[] Mean,
    [property: Id(1)] double[] Draws);
