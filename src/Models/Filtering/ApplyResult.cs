namespace Osr.Orleans.Models.Filtering;

/// <summary>One filter channel of a <see cref="UserFilterBank"/>.</summary>
[GenerateSerializer]
public enum FilterChannel : byte
{
    Hr = 0,
    Speed = 1,
    Cadence = 2,
    Acc = 3,
    Position = 4,
}

/// <summary>A set of <see cref="FilterChannel"/>s (bit 1 &lt;&lt; channel).</summary>
[Flags]
[GenerateSerializer]
public enum FilterChannels : byte
{
    None = 0,
    Hr = 1 << (int)FilterChannel.Hr,
    Speed = 1 << (int)FilterChannel.Speed,
    Cadence = 1 << (int)FilterChannel.Cadence,
    Acc = 1 << (int)FilterChannel.Acc,
    Position = 1 << (int)FilterChannel.Position,
    All = Hr | Speed | Cadence | Acc | Position,
}

/// <summary>
/// What <see cref="UserFilterBank.Apply"/> did with one reading, per channel. A channel whose
/// sensor was absent appears in none of the sets.
/// </summary>
/// <param name="Applied">Channels whose measurement changed the state: updated or (re-)initialised.</param>
/// <param name="Outliers">Channels whose measurement failed the χ² gate (counted; not applied,
/// unless it ended a run of outliers and re-initialised the channel, see <paramref name="Reset"/>).</param>
/// <param name="Reset">Channels (re-)initialised by this reading: first measurement, after the
/// max gap, or after a run of outliers.</param>
/// <param name="Stale">Channels whose measurement was older than the max reorder and was dropped.</param>
[GenerateSerializer, Immutable, Alias("osr.filter-apply-result")]
public readonly record struct ApplyResult(
    [property: Id(0)] FilterChannels Applied,
    [property: Id(1)] FilterChannels Outliers,
    [property: Id(2)] FilterChannels Reset,
    [property: Id(3)] FilterChannels Stale)
{
    public bool HasOutliers => Outliers != FilterChannels.None;
}

/// <summary>
/// Innovation statistics of one channel over the bank's life, for the console.
/// </summary>
/// <param name="Updates">Measurements applied by an update (initialisations excluded).</param>
/// <param name="Outliers">Measurements rejected by the gate.</param>
/// <param name="MeanNis">Mean NIS over <paramref name="Updates"/> (except those standing still in
/// a stop regime); ≈ m (1 scalar, 2 position)
/// when the noise settings fit the data, ≫ m when R or q is too small, ≪ m when too large;
/// NaN before the first update.</param>
/// <param name="LastUpdateUtcTicks">Time of the channel's latest measurement; 0 when never observed.</param>
/// <param name="Stops">Stops and restarts taken as regime changes (speed, cadence), not outliers.</param>
/// <param name="ProcessScale">α, the adapted scale of the channel's process noise (1 = as configured).</param>
/// <param name="LastAcceptedUtcTicks">Time of the channel's latest applied measurement; 0 when never observed.</param>
public readonly record struct ChannelStatistics(int Updates, int Outliers, double MeanNis, long LastUpdateUtcTicks,
    int Stops = 0, double ProcessScale = 1.0, long LastAcceptedUtcTicks = 0)
{
    /// <summary>Outliers / (updates + outliers), 0 when nothing was measured.</summary>
    public double OutlierShare => Updates + Outliers == 0 ? 0.0 : (double)Outliers / (Updates + Outliers);
}
