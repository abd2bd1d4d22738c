namespace Osr.Orleans.Models.Filtering;

/// <summary>What one channel filter did with one measurement.</summary>
public enum FilterOutcome : byte
{
    /// <summary>Passed the gate and was applied (predict to its time, then update).</summary>
    Updated = 0,

    /// <summary>(Re-)initialised the channel: first measurement, or the channel was silent longer than the max gap.</summary>
    Initialised,

    /// <summary>NIS above the gate: not applied (predict only), counted as an outlier.</summary>
    Outlier,

    /// <summary>An outlier that completed a run of consecutive outliers: the channel re-initialised on it.</summary>
    OutlierReset,

    /// <summary>Older than the channel's last update by more than the max reorder: dropped.</summary>
    Stale,

    /// <summary>A stop (a reading at or below the channel's stop threshold while moving) or a
    /// restart after one, that the gate would have rejected: the channel re-initialised on it
    /// (see <see cref="ChannelModel"/>, stop regime). Not an outlier.</summary>
    RegimeChange,
}
