namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Checkpoint of a <see cref="UserFilterBank"/> (<see cref="UserFilterBank.Snapshot"/> /
/// <see cref="UserFilterBank.Restore"/>), plain arrays only. Channel order is
/// <see cref="FilterChannel"/>: Hr, Speed, Cadence, Acc, Position. Restoring yields
/// bit-identical estimates. Arrays compare by reference (record equality does not look
/// inside them). Serialized size ≈ 0.9 KB.
/// <para><see cref="Adaptive"/> and <see cref="Extra"/> were added after version 1 shipped
/// (new ids at the end, same version): a checkpoint without them restores with every device's
/// prior noise (R̂ = σ²), α = 1, every update counted in the NIS and the last update as the
/// last accepted one.</para>
/// </summary>
[GenerateSerializer, Alias("osr.filter-bank-state")]
public sealed record class FilterBankState
{
    /// <summary>Layout version of this record; <see cref="CurrentVersion"/> when written by this code.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Values per level-trend channel in <see cref="LevelTrend"/>: [ℓ, ṙ, p₀₀, p₀₁, p₁₁].</summary>
    public const int LevelTrendStride = 5;

    /// <summary>Level-trend channels: Hr, Speed, Cadence, Acc.</summary>
    public const int LevelTrendChannels = 4;

    /// <summary>Length of <see cref="Position"/>: [x, y, vₓ, v_y, p₀₀, p₀₁, p₁₁, φ₀, λ₀, cos φ₀].</summary>
    public const int PositionLength = 10;

    /// <summary>Counters per channel in <see cref="Counters"/>: [active 0/1, updates, outliers, consecutive outliers].</summary>
    public const int CounterStride = 4;

    /// <summary>All channels.</summary>
    public const int ChannelCount = 5;

    /// <summary>Values per channel in <see cref="Adaptive"/>: [r₀, R̂, r₀', R̂', α, ν̃ₓ, ν̃_y].</summary>
    public const int AdaptiveStride = 7;

    /// <summary>Values per channel in <see cref="Adaptive"/> of checkpoints written before the
    /// whiteness term: [r₀, R̂, r₀', R̂', α] (restored with no previous innovation).</summary>
    public const int AdaptiveStrideV1 = 5;

    /// <summary>Values per channel in <see cref="Extra"/>: [NIS count, regime changes, last accepted UTC ticks].</summary>
    public const int ExtraStride = 3;

    [Id(0)] public int Version { get; init; } = CurrentVersion;

    /// <summary>4 × [ℓ, ṙ, p₀₀, p₀₁, p₁₁] for Hr (bpm, bpm/s), Speed (m/s, m/s²), Cadence (spm, spm/s), Acc (m/s², m/s³).</summary>
    [Id(1)] public double[] LevelTrend { get; init; } = [];

    /// <summary>[x, y (m), vₓ, v_y (m/s), p₀₀, p₀₁, p₁₁ (per-axis block), φ₀, λ₀ (deg), cos φ₀].</summary>
    [Id(2)] public double[] Position { get; init; } = [];

    /// <summary>Per channel: time of the latest measurement, UTC ticks.</summary>
    [Id(3)] public long[] LastUpdateTicks { get; init; } = [];

    /// <summary>Per channel: Σ NIS over applied updates.</summary>
    [Id(4)] public double[] NisSum { get; init; } = [];

    /// <summary>Per channel: [active 0/1, updates, outliers, consecutive outliers].</summary>
    [Id(5)] public long[] Counters { get; init; } = [];

    /// <summary>Per channel: [r₀, R̂, r₀', R̂', α, ν̃ₓ, ν̃_y], the two device-kind noise slots (prior
    /// variance and adapted variance, 0 when unused), the process-noise scale and the previous
    /// normalised innovation; [r₀, R̂, r₀', R̂', α] per channel in checkpoints written before the
    /// whiteness term, empty in older ones.</summary>
    [Id(6)] public double[] Adaptive { get; init; } = [];

    /// <summary>Per channel: [NIS count, regime changes (stops), last accepted UTC ticks]; empty in older checkpoints.</summary>
    [Id(7)] public long[] Extra { get; init; } = [];
}
