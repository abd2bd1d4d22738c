namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// The adaptive noise state of one channel, shared by <see cref="LevelTrendFilter"/> and
/// <see cref="PositionFilter"/> (equations in <see cref="NoiseAdaptation"/>): R̂ for up to two
/// device kinds, keyed by their prior r₀ (a third kind takes over the second slot, starting
/// again from its prior), the process-noise scale α and the previous normalised innovation
/// ν̃ₖ₋₁ (up to two axes) for the whiteness term. Mutable struct held in a filter's field;
/// allocation-free. Size: 56 bytes.
/// </summary>
internal struct AdaptiveNoise
{
    /// <summary>Values written by <see cref="Export"/>: [r₀, R̂, r₀', R̂', α, ν̃ₓ, ν̃_y].</summary>
    public const int Length = 7;

    private double _prior0;
    private double _noise0;
    private double _prior1;
    private double _noise1;
    private double _scale;
    private double _lastX;
    private double _lastY;

    /// <summary>α (1 before the first measurement).</summary>
    public readonly double ProcessScale => _scale == 0 ? 1.0 : _scale;

    /// <summary>R̂ for a device kind with prior <paramref name="prior"/>: its slot's value, else the prior.</summary>
    public readonly double MeasurementVariance(double prior) =>
        _prior0 == prior && prior > 0 ? _noise0 : _prior1 == prior && prior > 0 ? _noise1 : prior;

    /// <summary>The R to use for a reading from a device kind with prior <paramref name="prior"/>
    /// (taking a slot for a new kind); <paramref name="slot"/> is −1 when adaptation is off.</summary>
    public double Noise(NoiseAdaptation adaptation, double prior, out int slot)
    {
        if (!adaptation.IsEnabled)
        {
            slot = -1;
            return prior;
        }

        if (_prior0 != prior && _prior1 != prior)
        {
            if (_prior0 == 0)
            {
                _prior0 = _noise0 = prior;
            }
            else
            {
                _prior1 = _noise1 = prior;
            }
        }

        slot = _prior0 == prior ? 0 : 1;
        return slot == 0 ? _noise0 : _noise1;
    }

    /// <summary>On (re-)initialisation: α = 1 on the very first, kept afterwards; the innovation sequence restarts.</summary>
    public void Restart()
    {
        if (_scale == 0)
        {
            _scale = 1.0;
        }

        _lastX = _lastY = 0.0;
    }

    /// <summary>Adapts R̂ of <paramref name="slot"/> and α after an applied reading with per-axis
    /// innovations (<paramref name="innovationX"/>, <paramref name="innovationY"/>; 0 for a scalar
    /// channel), m = <paramref name="axes"/>, p⁻ = <paramref name="predicted"/>, s = p⁻ + R used,
    /// after <paramref name="count"/> earlier adapting updates. Returns the consistency factor c
    /// (<see cref="NoiseAdaptation.ConsistencyFactor"/>) the caller multiplies into P; α is
    /// multiplied by it too.</summary>
    public double Learn(NoiseAdaptation adaptation, int slot, double prior, double innovationX, double innovationY, int axes,
        double predicted, double s, int count)
    {
        if (slot < 0)
        {
            return 1.0;
        }

        var squaredPerAxis = (innovationX * innovationX + innovationY * innovationY) / axes;
        var next = adaptation.NextNoise(slot == 0 ? _noise0 : _noise1, squaredPerAxis, predicted, prior, count);
        var scale = 1.0 / Math.Sqrt(s);
        var x = innovationX * scale;
        var y = innovationY * scale;
        var correlation = (x * _lastX + y * _lastY) / axes;
        _lastX = x;
        _lastY = y;
        var factor = adaptation.ConsistencyFactor(squaredPerAxis / s, next, prior, count, predicted / s);
        _scale = adaptation.NextProcessScale(_scale * factor, correlation);
        if (slot == 0)
        {
            _noise0 = next;
        }
        else
        {
            _noise1 = next;
        }

        return factor;
    }

    /// <summary>After a gated reading: the α burst of <see cref="NoiseAdaptation.AfterOutlier"/>; the innovation sequence restarts.</summary>
    public void Gated(NoiseAdaptation adaptation)
    {
        _scale = adaptation.AfterOutlier(ProcessScale);
        _lastX = _lastY = 0.0;
    }

    /// <summary>Writes [r₀, R̂, r₀', R̂', α, ν̃ₓ, ν̃_y] (<see cref="Length"/> values).</summary>
    public readonly void Export(Span<double> values)
    {
        values[0] = _prior0;
        values[1] = _noise0;
        values[2] = _prior1;
        values[3] = _noise1;
        values[4] = _scale;
        values[5] = _lastX;
        values[6] = _lastY;
    }

    /// <summary>Inverse of <see cref="Export"/>. Empty <paramref name="values"/> (a checkpoint
    /// written before adaptation existed): device priors, α = 1 when <paramref name="active"/>;
    /// five values (before the whiteness term): no previous innovation.</summary>
    public static AdaptiveNoise Import(ReadOnlySpan<double> values, bool active) => values.IsEmpty
        ? new AdaptiveNoise { _scale = active ? 1.0 : 0.0 }
        : new AdaptiveNoise
        {
            _prior0 = values[0],
            _noise0 = values[1],
            _prior1 = values[2],
            _noise1 = values[3],
            _scale = values[4],
            _lastX = values.Length > 5 ? values[5] : 0.0,
            _lastY = values.Length > 6 ? values[6] : 0.0,
        };
}
