using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The cluster-wide window of raw OSR scores (key <see cref="GrainKeys.Global"/>). Each silo
/// merges its local window in about once a second and takes the merged one back; scoring reads
/// the silo's local copy, never this grain.
/// </summary>
[Alias("osr.IScoreWindowGrain")]
public interface IScoreWindowGrain : IGrainWithStringKey
{
    [Alias("Exchange")]
    ValueTask<RawScoreWindowSnapshot> ExchangeAsync(RawScoreWindowSnapshot local);
}
