namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// How sure the filter is of one channel at a time t, read from its own covariance and
/// bookkeeping (no recomputation by the reader).
/// </summary>
/// <param name="Observed">True once the channel was ever measured for this user; every other field is NaN/0 otherwise.</param>
/// <param name="Std">σ = √Var(level) predicted to t, in level units (position: the 2-D RMS radius,
/// metres); NaN when the channel has been silent longer than the max gap (stale).</param>
/// <param name="RelativeStd">σ / the channel's scale (<see cref="StateUncertainty"/> constants):
/// dimensionless, comparable across channels; NaN when <paramref name="Std"/> is.</param>
/// <param name="SecondsSinceAccepted">t − the time of the latest applied measurement, seconds, ≥ 0.</param>
/// <param name="ConsecutiveOutliers">Measurements gated in a row since the latest applied one.</param>
public readonly record struct ChannelCertainty(bool Observed, double Std, double RelativeStd, double SecondsSinceAccepted, int ConsecutiveOutliers)
{
    /// <summary>A channel never measured.</summary>
    public static ChannelCertainty Unobserved { get; } = new(false, double.NaN, double.NaN, double.NaN, 0);
}

/// <summary>
/// The filter's certainty of every channel at <see cref="AsOfUtcTicks"/>
/// (<see cref="UserFilterBank.Uncertainty"/>), for a decision to read before it relies on the
/// state. Channel scales s (what one σ is compared with: roughly the smallest difference that
/// changes a label or a feature band): HR 10 bpm, speed 1 m/s, cadence 20 spm, acc 2 m/s²,
/// position 50 m; RelativeStd = σ / s.
/// </summary>
public readonly record struct StateUncertainty(
    long AsOfUtcTicks,
    ChannelCertainty Hr,
    ChannelCertainty Speed,
    ChannelCertainty Cadence,
    ChannelCertainty Acc,
    ChannelCertainty Position)
{
    /// <summary>Scales s per channel: bpm, m/s, spm, m/s², m.</summary>
    public const double HrScale = 10.0, SpeedScale = 1.0, CadenceScale = 20.0, AccScale = 2.0, PositionScaleMetres = 50.0;

    /// <summary>The certainty of <paramref name="channel"/>.</summary>
    public ChannelCertainty this[FilterChannel channel] => channel switch
    {
        FilterChannel.Hr => Hr,
        FilterChannel.Speed => Speed,
        FilterChannel.Cadence => Cadence,
        FilterChannel.Acc => Acc,
        FilterChannel.Position => Position,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };
}

/// <summary>
/// When the filter is too unsure of the state for a decision to rely on it. A pure function
/// of <see cref="StateUncertainty"/> with its thresholds as parameters: a channel c in
/// <paramref name="Channels"/> that has been observed is uncertain when
/// <para>¬(σ_c / s_c ≤ <paramref name="MaxRelativeStd"/>) (large, or NaN = stale after a gap), or
/// t − t_accepted,c &gt; <paramref name="MaxSecondsSinceAccepted"/>, or
/// consecutive outliers_c ≥ <paramref name="MaxConsecutiveOutliers"/>;</para>
/// <para>the state is uncertain when any such channel is, or when no channel in
/// <paramref name="Channels"/> has been observed at all (nothing is known). Channels never
/// observed are otherwise ignored: a user without a speed sensor is not uncertain about speed.</para>
/// </summary>
/// <param name="MaxRelativeStd">Largest σ/s accepted, &gt; 0 (default 0.5: HR ± 5 bpm, position ± 25 m).</param>
/// <param name="MaxSecondsSinceAccepted">Longest silence accepted, seconds, &gt; 0 (default 120: two missed minutes of a 1 Hz stream).</param>
/// <param name="MaxConsecutiveOutliers">Gated readings in a row that make a channel uncertain, ≥ 1 (default 3).</param>
/// <param name="Channels">Channels that count (default all).</param>
public sealed record UncertaintyGate(
    double MaxRelativeStd = 0.5,
    double MaxSecondsSinceAccepted = 120.0,
    int MaxConsecutiveOutliers = 3,
    FilterChannels Channels = FilterChannels.All)
{
    /// <summary>The defaults documented on the type.</summary>
    public static UncertaintyGate Default { get; } = new();

    /// <summary>True when the state is uncertain (rule on the type).</summary>
    public bool IsUncertain(in StateUncertainty uncertainty) => IsUncertain(in uncertainty, out _);

    /// <summary>True when the state is uncertain; <paramref name="channels"/> are the uncertain
    /// observed channels (None with a true result means nothing was observed).</summary>
    public bool IsUncertain(in StateUncertainty uncertainty, out FilterChannels channels)
    {
        channels = FilterChannels.None;
        var observed = false;
        for (var c = FilterChannel.Hr; c <= FilterChannel.Position; c++)
        {
            var flag = (FilterChannels)(1 << (int)c);
            if ((Channels & flag) == 0)
            {
                continue;
            }

            var certainty = uncertainty[c];
            if (!certainty.Observed)
            {
                continue;
            }

            observed = true;
            if (!(certainty.RelativeStd <= MaxRelativeStd)
                || certainty.SecondsSinceAccepted > MaxSecondsSinceAccepted
                || certainty.ConsecutiveOutliers >= MaxConsecutiveOutliers)
            {
                channels |= flag;
            }
        }

        return !observed || channels != FilterChannels.None;
    }
}
