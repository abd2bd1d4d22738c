using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// The Kalman filters of one user: heart rate, speed, cadence and dynamic acceleration as
/// <see cref="LevelTrendFilter"/>s ([level, rate/s], CWNA) and position as a
/// <see cref="PositionFilter"/> (2-D constant velocity). Every device of the user updates the
/// same filters with its own R = σ² (<see cref="SensorNoise"/>), which fuses them: with
/// independent noise the posterior variance is below each device's alone. Each channel keeps
/// its own last-update time, so a reading updates exactly the sensors it carries.
/// <para>Reported values are clamped to physical ranges — HR [20, 250] bpm, HR trend
/// [−180, 180] bpm/min, speed [0, 100] m/s, cadence [0, 300] spm, acc [0, 200] m/s² — while the
/// internal state is never clamped (that would break the filter's statistics).</para>
/// <para>Measurement noise adapts per device kind and channel (<see cref="NoiseAdaptation"/>):
/// a device's <see cref="SensorNoise"/> is the prior of its kind's slot;
/// <see cref="MeasurementStd"/> reads the current value. Speed and cadence have a stop regime
/// (<see cref="ChannelModel"/>).</para>
/// <para>Not thread-safe (one grain activation owns it). Memory: 776 bytes per bank = 16
/// object header + 8 models reference + 4 × 144 (<see cref="LevelTrendFilter"/>) + 176
/// (<see cref="PositionFilter"/>), measured with GC.GetAllocatedBytesForCurrentThread in
/// UserFilterBankTests.BankIsAFewHundredBytesAndApplyAndEstimateDoNotAllocate; the compiled
/// <see cref="ChannelModel"/>s are shared by all banks built from one <see cref="FilterOptions"/>.</para>
/// </summary>
public sealed class UserFilterBank
{
    /// <summary>Reported HR range, bpm (the reading contract's).</summary>
    public const double MinHr = 20.0, MaxHr = 250.0;

    /// <summary>Reported HR trend range, bpm/min.</summary>
    public const double MaxHrTrendPerMin = 180.0;

    /// <summary>Reported upper bounds: speed m/s, cadence spm, acc m/s² (lower bounds 0).</summary>
    public const double MaxSpeed = 100.0, MaxCadence = 300.0, MaxAcc = 200.0;

    private readonly ChannelModels _models;
    private LevelTrendFilter _hr;
    private LevelTrendFilter _speed;
    private LevelTrendFilter _cadence;
    private LevelTrendFilter _acc;
    private PositionFilter _position;

    /// <summary>An empty bank: every channel unobserved.</summary>
    public UserFilterBank(FilterOptions? options = null)
    {
        _models = (options ?? FilterOptions.Default).Models;
    }

    public FilterOptions Options => _models.Options;

    /// <summary>The HR filter (read-only view, for diagnostics and tests).</summary>
    public ref readonly LevelTrendFilter Hr => ref _hr;

    public ref readonly LevelTrendFilter Speed => ref _speed;

    public ref readonly LevelTrendFilter Cadence => ref _cadence;

    public ref readonly LevelTrendFilter Acc => ref _acc;

    public ref readonly PositionFilter Position => ref _position;

    /// <summary>Latest measurement time over all channels, UTC ticks; 0 when nothing was observed.</summary>
    public long LastUpdateUtcTicks => Math.Max(
        Math.Max(Math.Max(Last(_hr), Last(_speed)), Math.Max(Last(_cadence), Last(_acc))),
        _position.IsActive ? _position.LastUpdateUtcTicks : 0);

    /// <summary>
    /// Applies every sensor present in <paramref name="reading"/> (NaN = absent: nothing
    /// happens on that channel) with the reporting device's <paramref name="noise"/>.
    /// Allocation-free.
    /// </summary>
    /// <exception cref="ArgumentException">A σ of <paramref name="noise"/> is not finite and &gt; 0.</exception>
    public ApplyResult Apply(in Reading reading, in SensorNoise noise)
    {
        if (!noise.IsValid)
        {
            throw new ArgumentException($"Every σ must be finite and > 0: {noise}.", nameof(noise));
        }

        var t = reading.TimestampUtcTicks;
        var result = default(ApplyResult);
        if (!double.IsNaN(reading.Hr))
        {
            Record(ref result, FilterChannels.Hr, _hr.Update(_models.Hr, t, reading.Hr, noise.HrStd * noise.HrStd));
        }

        if (!double.IsNaN(reading.Speed))
        {
            Record(ref result, FilterChannels.Speed, _speed.Update(_models.Speed, t, reading.Speed, noise.SpeedStd * noise.SpeedStd));
        }

        if (!double.IsNaN(reading.Cadence))
        {
            Record(ref result, FilterChannels.Cadence, _cadence.Update(_models.Cadence, t, reading.Cadence, noise.CadenceStd * noise.CadenceStd));
        }

        if (!double.IsNaN(reading.Acc))
        {
            Record(ref result, FilterChannels.Acc, _acc.Update(_models.Acc, t, reading.Acc, noise.AccStd * noise.AccStd));
        }

        if (!double.IsNaN(reading.Lat) && !double.IsNaN(reading.Lon))
        {
            var r = noise.PositionStdMetres * noise.PositionStdMetres;
            Record(ref result, FilterChannels.Position, _position.Update(_models.Position, t, reading.Lat, reading.Lon, r));
        }

        return result;
    }

    /// <summary>
    /// The state predicted forward to <paramref name="atUtcTicks"/>, without changing the bank:
    /// level ℓ + min(dt, H)·ṙ (the trend carried at most the trend horizon H past the channel's
    /// last reading, <see cref="FilterOptions.TrendHorizon"/>) with std √(p₀₀ + 2dt·p₀₁ + dt²·p₁₁ + q·dt³/3), growing with dt. A channel
    /// never observed, or silent for longer than the max gap at that time, is NaN. Times before
    /// a channel's last update return its current estimate (no prediction backwards).
    /// HR trend is ṙ·60 bpm/min; position std is the 2-D RMS radius √(Pₓₓ + P_yy) in metres.
    /// Allocation-free.
    /// </summary>
    public StateEstimate Estimate(long atUtcTicks)
    {
        double hr = double.NaN, hrStd = double.NaN, hrTrend = double.NaN;
        if (_hr.TryPredict(_models.Hr, atUtcTicks, out var level, out var rate, out var variance))
        {
            hr = _models.Hr.Clamp(level);
            hrStd = Math.Sqrt(variance);
            hrTrend = Math.Clamp(rate * 60.0, -MaxHrTrendPerMin, MaxHrTrendPerMin);
        }

        Level(in _speed, _models.Speed, atUtcTicks, out var speed, out var speedStd);
        Level(in _cadence, _models.Cadence, atUtcTicks, out var cadence, out var cadenceStd);
        Level(in _acc, _models.Acc, atUtcTicks, out var acc, out var accStd);
        _position.TryPredict(_models.Position, atUtcTicks, out var lat, out var lon, out var positionStd);
        return new StateEstimate(atUtcTicks, hr, hrStd, hrTrend, speed, speedStd, cadence, cadenceStd,
            acc, accStd, lat, lon, positionStd);
    }

    /// <summary>Innovation statistics of <paramref name="channel"/>.</summary>
    public ChannelStatistics Statistics(FilterChannel channel) => channel switch
    {
        FilterChannel.Hr => Stats(in _hr),
        FilterChannel.Speed => Stats(in _speed),
        FilterChannel.Cadence => Stats(in _cadence),
        FilterChannel.Acc => Stats(in _acc),
        FilterChannel.Position => new ChannelStatistics(_position.Updates, _position.Outliers, _position.MeanNis,
            _position.IsActive ? _position.LastUpdateUtcTicks : 0, 0, _position.ProcessScale,
            _position.IsActive ? _position.LastAcceptedUtcTicks : 0),
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    /// <summary>
    /// The measurement σ currently used for a device with <paramref name="noise"/> on
    /// <paramref name="channel"/>: √R̂ of its device-kind slot, the profile's σ when adaptation
    /// is off or the kind has not reported on that channel (position: per axis, metres).
    /// </summary>
    public double MeasurementStd(FilterChannel channel, in SensorNoise noise) => channel switch
    {
        FilterChannel.Hr => Math.Sqrt(_hr.MeasurementVariance(noise.HrStd * noise.HrStd)),
        FilterChannel.Speed => Math.Sqrt(_speed.MeasurementVariance(noise.SpeedStd * noise.SpeedStd)),
        FilterChannel.Cadence => Math.Sqrt(_cadence.MeasurementVariance(noise.CadenceStd * noise.CadenceStd)),
        FilterChannel.Acc => Math.Sqrt(_acc.MeasurementVariance(noise.AccStd * noise.AccStd)),
        FilterChannel.Position => Math.Sqrt(_position.MeasurementVariance(noise.PositionStdMetres * noise.PositionStdMetres)),
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    /// <summary>A checkpoint of the whole bank (fresh arrays; the bank is not changed).</summary>
    public FilterBankState Snapshot()
    {
        var levelTrend = new double[FilterBankState.LevelTrendChannels * FilterBankState.LevelTrendStride];
        var position = new double[FilterBankState.PositionLength];
        var lastTicks = new long[FilterBankState.ChannelCount];
        var nisSum = new double[FilterBankState.ChannelCount];
        var counters = new long[FilterBankState.ChannelCount * FilterBankState.CounterStride];
        var adaptive = new double[FilterBankState.ChannelCount * FilterBankState.AdaptiveStride];
        var extra = new long[FilterBankState.ChannelCount * FilterBankState.ExtraStride];
        Export(in _hr, FilterChannel.Hr);
        Export(in _speed, FilterChannel.Speed);
        Export(in _cadence, FilterChannel.Cadence);
        Export(in _acc, FilterChannel.Acc);
        const int p = (int)FilterChannel.Position;
        _position.Export(position, counters.AsSpan(p * FilterBankState.CounterStride, FilterBankState.CounterStride),
            out lastTicks[p], out nisSum[p], adaptive.AsSpan(p * FilterBankState.AdaptiveStride, FilterBankState.AdaptiveStride),
            extra.AsSpan(p * FilterBankState.ExtraStride, FilterBankState.ExtraStride));
        return new FilterBankState
        {
            LevelTrend = levelTrend,
            Position = position,
            LastUpdateTicks = lastTicks,
            NisSum = nisSum,
            Counters = counters,
            Adaptive = adaptive,
            Extra = extra,
        };

        void Export(in LevelTrendFilter filter, FilterChannel channel)
        {
            var c = (int)channel;
            filter.Export(levelTrend.AsSpan(c * FilterBankState.LevelTrendStride, FilterBankState.LevelTrendStride),
                counters.AsSpan(c * FilterBankState.CounterStride, FilterBankState.CounterStride),
                out lastTicks[c], out nisSum[c],
                adaptive.AsSpan(c * FilterBankState.AdaptiveStride, FilterBankState.AdaptiveStride),
                extra.AsSpan(c * FilterBankState.ExtraStride, FilterBankState.ExtraStride));
        }
    }

    /// <summary>Rebuilds a bank from <see cref="Snapshot"/>; its estimates are bit-identical to the original's.</summary>
    /// <exception cref="ArgumentException">The state has another version or malformed arrays.</exception>
    public static UserFilterBank Restore(FilterBankState state, FilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        if (state.Version != FilterBankState.CurrentVersion
            || state.LevelTrend?.Length != FilterBankState.LevelTrendChannels * FilterBankState.LevelTrendStride
            || state.Position?.Length != FilterBankState.PositionLength
            || state.LastUpdateTicks?.Length != FilterBankState.ChannelCount
            || state.NisSum?.Length != FilterBankState.ChannelCount
            || state.Counters?.Length != FilterBankState.ChannelCount * FilterBankState.CounterStride
            || (state.Adaptive is { Length: > 0 } && state.Adaptive.Length != FilterBankState.ChannelCount * FilterBankState.AdaptiveStride
                && state.Adaptive.Length != FilterBankState.ChannelCount * FilterBankState.AdaptiveStrideV1)
            || (state.Extra is { Length: > 0 } && state.Extra.Length != FilterBankState.ChannelCount * FilterBankState.ExtraStride))
        {
            throw new ArgumentException($"Not a version-{FilterBankState.CurrentVersion} filter bank state.", nameof(state));
        }

        const int p = (int)FilterChannel.Position;
        var adaptive = state.Adaptive ?? [];
        var extra = state.Extra ?? [];
        var stride = adaptive.Length / FilterBankState.ChannelCount;
        return new UserFilterBank(options)
        {
            _hr = Import(FilterChannel.Hr),
            _speed = Import(FilterChannel.Speed),
            _cadence = Import(FilterChannel.Cadence),
            _acc = Import(FilterChannel.Acc),
            _position = PositionFilter.Import(state.Position,
                state.Counters.AsSpan(p * FilterBankState.CounterStride, FilterBankState.CounterStride),
                state.LastUpdateTicks[p], state.NisSum[p], Adaptive(p), Extra(p)),
        };

        ReadOnlySpan<double> Adaptive(int c) => adaptive.Length == 0 ? default : adaptive.AsSpan(c * stride, stride);

        ReadOnlySpan<long> Extra(int c) => extra.Length == 0
            ? default
            : extra.AsSpan(c * FilterBankState.ExtraStride, FilterBankState.ExtraStride);

        LevelTrendFilter Import(FilterChannel channel)
        {
            var c = (int)channel;
            return LevelTrendFilter.Import(
                state.LevelTrend.AsSpan(c * FilterBankState.LevelTrendStride, FilterBankState.LevelTrendStride),
                state.Counters.AsSpan(c * FilterBankState.CounterStride, FilterBankState.CounterStride),
                state.LastUpdateTicks[c], state.NisSum[c], Adaptive(c), Extra(c));
        }
    }

    private static void Record(ref ApplyResult result, FilterChannels channel, FilterOutcome outcome)
    {
        result = outcome switch
        {
            FilterOutcome.Updated => result with { Applied = result.Applied | channel },
            FilterOutcome.Initialised => result with { Applied = result.Applied | channel, Reset = result.Reset | channel },
            FilterOutcome.Outlier => result with { Outliers = result.Outliers | channel },
            FilterOutcome.RegimeChange => result with { Applied = result.Applied | channel, Reset = result.Reset | channel },
            FilterOutcome.OutlierReset => result with
            {
                Applied = result.Applied | channel,
                Outliers = result.Outliers | channel,
                Reset = result.Reset | channel,
            },
            _ => result with { Stale = result.Stale | channel },
        };
    }

    private static void Level(in LevelTrendFilter filter, ChannelModel model, long atUtcTicks, out double value, out double std)
    {
        if (filter.TryPredict(model, atUtcTicks, out var level, out _, out var variance))
        {
            value = model.Clamp(level);
            std = Math.Sqrt(variance);
        }
        else
        {
            value = std = double.NaN;
        }
    }

    private static long Last(in LevelTrendFilter filter) => filter.IsActive ? filter.LastUpdateUtcTicks : 0;

    private static ChannelStatistics Stats(in LevelTrendFilter filter) =>
        new(filter.Updates, filter.Outliers, filter.MeanNis, Last(in filter), filter.RegimeChanges, filter.ProcessScale,
            filter.IsActive ? filter.LastAcceptedUtcTicks : 0);
}
