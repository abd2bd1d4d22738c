namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Settings of the per-user Kalman filter bank (configuration section
/// <see cref="SectionName"/>). Defaults and their reasons:
/// <list type="bullet">
/// <item>Process noise q (CWNA spectral density; the rate's variance grows by q·dt): chosen
/// so 1 Hz data is smoothed while physiological changes pass the gate. HR q = 0.02 bpm²/s³
/// (trend std grows ≈ 0.8 bpm/s per 30 s; steady-state gain ≈ 0.23 for a watch at 1 Hz, i.e.
/// the filtered HR error is ≈ 0.48 σ); speed q = 0.1 m²/s⁵ (start/stop within seconds);
/// cadence q = 2 spm²/s³ (walk↔run transitions); acc q = 0.5 m²/s⁵ (jumpy signal); position
/// q = 1 m²/s³ (pedestrian and cyclist turns).</item>
/// <item>Initial rate std σᵣ₀ (rate is unknown at the first measurement): HR 1 bpm/s, speed
/// 0.5 m/s², cadence 5 spm/s, acc 1 m/s³, velocity 5 m/s (runner to cyclist).</item>
/// <item><see cref="GateConfidence"/> 0.9999: γ = 15.1 for scalars (≈ 3.9σ) and 18.4 for
/// position; a consistent 1 Hz channel loses one good reading per ≈ 2.8 h while optical-HR
/// cadence lock or GNSS multipath jumps are many σ off.</item>
/// <item><see cref="MaxConsecutiveOutliers"/> 10 (≈ 10 s at 1 Hz): longer than a typical
/// glitch burst, short enough that a real step (new device, re-seated sensor) is followed
/// after ≈ 10 readings by re-initialising on the new value.</item>
/// <item><see cref="MaxGap"/> 10 min (the contract's max lateness): an older state is stale,
/// estimates are NaN and the next measurement re-initialises.</item>
/// <item><see cref="MaxReorder"/> 5 s: a measurement at most this much older than its
/// channel's latest one updates without predicting; older ones are dropped as stale (sort a
/// batch by time before applying it).</item>
/// <item><see cref="TrendHorizon"/> 10 s: an estimate between readings carries a scalar
/// channel's trend at most this far past its last reading, then holds the level (a start, stop
/// or change of pace is over within seconds; a trend carried for minutes invents a level no
/// reading supports, docs/decisions.md 93).</item>
/// <item><see cref="Adaptation"/>: measurement noise adapted per device kind and channel by
/// bounded covariance matching, with a bounded process-noise scale (equations and defaults in
/// <see cref="AdaptationOptions"/> and <see cref="NoiseAdaptation"/>).</item>
/// <item>Stop regime (<see cref="ChannelOptions.StopThreshold"/>): speed 0.3 m/s (GNSS speed of a
/// standing receiver jitters by a few tenths), cadence 2 spm (a stopped crank or foot reads 0);
/// a stop or restart the gate would reject re-initialises the channel instead
/// (<see cref="ChannelModel"/>).</item>
/// </list>
/// Options are read once, when the first bank is built from them (they are compiled into
/// shared <see cref="ChannelModel"/>s); do not change them afterwards.
/// </summary>
public sealed class FilterOptions
{
    public const string SectionName = "Osr:Filter";

    private ChannelModels? _models;

    /// <summary>Defaults (documented on the class).</summary>
    public static FilterOptions Default { get; } = new();

    public ChannelOptions Hr { get; init; } = new() { ProcessNoise = 0.02, InitialRateStd = 1.0 };

    public ChannelOptions Speed { get; init; } = new() { ProcessNoise = 0.1, InitialRateStd = 0.5, StopThreshold = 0.3 };

    public ChannelOptions Cadence { get; init; } = new() { ProcessNoise = 2.0, InitialRateStd = 5.0, StopThreshold = 2.0 };

    public ChannelOptions Acc { get; init; } = new() { ProcessNoise = 0.5, InitialRateStd = 1.0 };

    /// <summary>Position (per axis): q in m²/s³, initial velocity std in m/s.</summary>
    public ChannelOptions Position { get; init; } = new() { ProcessNoise = 1.0, InitialRateStd = 5.0 };

    /// <summary>c ∈ (0, 1]: the χ² gate confidence (1 disables gating).</summary>
    public double GateConfidence { get; init; } = 0.9999;

    /// <summary>≥ 1: outliers in a row after which a channel re-initialises on the last one.</summary>
    public int MaxConsecutiveOutliers { get; init; } = 10;

    /// <summary>&gt; 0: silence after which a channel is stale.</summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>≥ 0: how late a measurement may be relative to its channel's latest one.</summary>
    public TimeSpan MaxReorder { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>τ &gt; 0: beyond this interval between two readings the process noise's spectral
    /// density falls as τ/dt (<see cref="ChannelModel"/>, "Sparse recordings"); TimeSpan.MaxValue: never.</summary>
    public TimeSpan ProcessNoiseHorizon { get; init; } = TimeSpan.MaxValue;

    /// <summary>H &gt; 0: how far past a scalar channel's last reading an estimate extrapolates its
    /// trend (<see cref="ChannelModel"/>, "Trend horizon"); TimeSpan.MaxValue: without limit.</summary>
    public TimeSpan TrendHorizon { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Measurement-noise adaptation (<see cref="AdaptationOptions.Weight"/> 0 turns it off).</summary>
    public AdaptationOptions Adaptation { get; init; } = new();

    /// <summary>The problems with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(Hr, nameof(Hr));
        Check(Speed, nameof(Speed));
        Check(Cadence, nameof(Cadence));
        Check(Acc, nameof(Acc));
        Check(Position, nameof(Position));
        if (!(GateConfidence > 0 && GateConfidence <= 1))
        {
            errors.Add($"{nameof(GateConfidence)} must be in (0, 1], was {GateConfidence}.");
        }

        if (MaxConsecutiveOutliers < 1)
        {
            errors.Add($"{nameof(MaxConsecutiveOutliers)} must be ≥ 1, was {MaxConsecutiveOutliers}.");
        }

        if (MaxGap <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxGap)} must be > 0, was {MaxGap}.");
        }

        if (MaxReorder < TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxReorder)} must be ≥ 0, was {MaxReorder}.");
        }

        if (ProcessNoiseHorizon <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(ProcessNoiseHorizon)} must be > 0, was {ProcessNoiseHorizon}.");
        }

        if (TrendHorizon <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(TrendHorizon)} must be > 0, was {TrendHorizon}.");
        }

        if (Adaptation is null)
        {
            errors.Add($"{nameof(Adaptation)} is required.");
        }
        else
        {
            Range(Adaptation.Weight, 0, 1, false, "Weight");
            Range(Adaptation.MinFactor, 0, 1, true, "MinFactor");
            Range(Adaptation.MaxFactor, 1, double.MaxValue, false, "MaxFactor");
            Range(Adaptation.ProcessWeight, 0, 1, false, "ProcessWeight");
            Range(Adaptation.MinProcessScale, 0, 1, true, "MinProcessScale");
            Range(Adaptation.MaxProcessScale, 1, double.MaxValue, false, "MaxProcessScale");
        }

        if (Position is not null && !double.IsNaN(Position.StopThreshold))
        {
            errors.Add($"{nameof(Position)}:{nameof(ChannelOptions.StopThreshold)} must be NaN (position has no stop regime).");
        }

        return errors;

        void Check(ChannelOptions? channel, string name)
        {
            if (channel is null)
            {
                errors.Add($"{name} is required.");
                return;
            }

            if (!(channel.ProcessNoise >= 0) || double.IsInfinity(channel.ProcessNoise))
            {
                errors.Add($"{name}:{nameof(ChannelOptions.ProcessNoise)} must be finite and ≥ 0, was {channel.ProcessNoise}.");
            }

            if (!(channel.InitialRateStd > 0) || double.IsInfinity(channel.InitialRateStd))
            {
                errors.Add($"{name}:{nameof(ChannelOptions.InitialRateStd)} must be finite and > 0, was {channel.InitialRateStd}.");
            }

            if (!double.IsNaN(channel.StopThreshold) && !(channel.StopThreshold >= 0 && double.IsFinite(channel.StopThreshold)))
            {
                errors.Add($"{name}:{nameof(ChannelOptions.StopThreshold)} must be NaN or finite and ≥ 0, was {channel.StopThreshold}.");
            }
        }

        void Range(double value, double min, double max, bool exclusiveMin, string name)
        {
            if (!(exclusiveMin ? value > min : value >= min) || !(value <= max))
            {
                errors.Add($"{nameof(Adaptation)}:{name} must be in {(exclusiveMin ? "(" : "[")}{min}, {max}], was {value}.");
            }
        }
    }

    /// <summary>The compiled channel models (χ² gates computed once per options instance).</summary>
    internal ChannelModels Models => _models ??= new ChannelModels(this);
}

/// <summary>Process model of one channel (see <see cref="ChannelModel"/> for the equations).</summary>
public sealed class ChannelOptions
{
    /// <summary>q ≥ 0, spectral density of the rate noise, level²/s³.</summary>
    public double ProcessNoise { get; init; }

    /// <summary>σᵣ₀ &gt; 0, std of the rate when a channel (re-)initialises, level/s.</summary>
    public double InitialRateStd { get; init; }

    /// <summary>θ ≥ 0 of the stop regime in level units (readings ≤ θ are "stopped"), or NaN for
    /// none (<see cref="ChannelModel"/>).</summary>
    public double StopThreshold { get; init; } = double.NaN;
}

/// <summary>
/// Settings of the noise adaptation (equations in <see cref="NoiseAdaptation"/>). Defaults,
/// chosen by replaying the recorded tracks in docs/features.md ("Calibration"), where they bring
/// the mean NIS per dimension of every channel with ≥ 100 readings into [0.5, 2] but one:
/// β = 0.1 (a running mean over the first readings, then memory ≈ 10 readings: the recorded
/// innovations are heteroscedastic, and 0.05 left position at 0.3–0.5); R̂ within
/// [r₀/10 000, 16·r₀] (watch exports are smoothed far below the profile's noise); β_α = 0.05 and
/// α ∈ [0.001, 1000] (q is learnt from the innovations' whiteness and consistency, in both directions).
/// </summary>
public sealed class AdaptationOptions
{
    /// <summary>β ∈ [0, 1]; 0 disables adaptation (R = σ² of the device profile, q as configured).</summary>
    public double Weight { get; init; } = 0.1;

    /// <summary>f_min ∈ (0, 1]: floor of R̂ as a fraction of the device prior σ².</summary>
    public double MinFactor { get; init; } = 0.0001;

    /// <summary>f_max ≥ 1: ceiling of R̂ as a multiple of the device prior σ².</summary>
    public double MaxFactor { get; init; } = 16.0;

    /// <summary>β_α ∈ [0, 1]: step of the process-noise scale.</summary>
    public double ProcessWeight { get; init; } = 0.05;

    /// <summary>α_min ∈ (0, 1].</summary>
    public double MinProcessScale { get; init; } = 0.001;

    /// <summary>α_max ≥ 1.</summary>
    public double MaxProcessScale { get; init; } = 1000.0;
}

/// <summary>The five <see cref="ChannelModel"/>s compiled from one <see cref="FilterOptions"/>.</summary>
internal sealed class ChannelModels
{
    public ChannelModels(FilterOptions options)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid filter options: " + string.Join(" ", errors), nameof(options));
        }

        Options = options;
        var a = options.Adaptation;
        var adaptation = new NoiseAdaptation(a.Weight, a.MinFactor, a.MaxFactor, a.ProcessWeight, a.MinProcessScale, a.MaxProcessScale);
        Hr = Scalar(options.Hr, UserFilterBank.MinHr, UserFilterBank.MaxHr);
        Speed = Scalar(options.Speed, 0.0, UserFilterBank.MaxSpeed);
        Cadence = Scalar(options.Cadence, 0.0, UserFilterBank.MaxCadence);
        Acc = Scalar(options.Acc, 0.0, UserFilterBank.MaxAcc);
        Position = new ChannelModel(options.Position.ProcessNoise, options.Position.InitialRateStd, 2,
            options.GateConfidence, options.MaxGap, options.MaxReorder, options.MaxConsecutiveOutliers,
            adaptation: adaptation, processNoiseHorizon: Horizon(options.ProcessNoiseHorizon));

        ChannelModel Scalar(ChannelOptions channel, double min, double max) => new(
            channel.ProcessNoise, channel.InitialRateStd, 1, options.GateConfidence, options.MaxGap,
            options.MaxReorder, options.MaxConsecutiveOutliers, min, max, adaptation, channel.StopThreshold,
            Horizon(options.ProcessNoiseHorizon), Horizon(options.TrendHorizon));

        static double Horizon(TimeSpan tau) => tau == TimeSpan.MaxValue ? double.PositiveInfinity : tau.TotalSeconds;
    }

    public FilterOptions Options { get; }

    public ChannelModel Hr { get; }

    public ChannelModel Speed { get; }

    public ChannelModel Cadence { get; }

    public ChannelModel Acc { get; }

    public ChannelModel Position { get; }
}
