using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MathNet.Numerics.LinearAlgebra;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Benchmarks;

/// <summary>
/// One measurement update per operation (predict over dt = 1 s, then update) of the hot-path
/// filters against the MathNet reference <see cref="KalmanFilter"/> doing the same update
/// (it builds F and Q for the reading's dt, as irregular sampling requires), plus a full
/// <see cref="UserFilterBank.Apply"/> of a reading with every sensor and an
/// <see cref="UserFilterBank.Estimate"/>. Inputs are pre-generated noisy values (seeded),
/// cycled; time advances by 1 s per operation, so no gap or reset happens. The hot-path
/// filters run with the default options (adaptive measurement noise) and, for comparison, with
/// adaptation off ("fixed R", the model before adaptation existed).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KalmanBenchmarks
{
    private const int Inputs = 1024; // power of two: index = i & (Inputs − 1)
    private const double HrVariance = 16.0, PositionVariance = 25.0;

    private readonly double[] _hr = new double[Inputs];
    private readonly double[] _lat = new double[Inputs];
    private readonly double[] _lon = new double[Inputs];
    private readonly double[] _x = new double[Inputs];
    private readonly double[] _y = new double[Inputs];
    private readonly Reading[] _readings = new Reading[Inputs];
    private readonly SensorNoise _noise = SensorNoiseProfiles.Watch;

    private ChannelModel _hrModel = null!;
    private ChannelModel _positionModel = null!;
    private ChannelModel _hrModelFixed = null!;
    private ChannelModel _positionModelFixed = null!;
    private LevelTrendFilter _levelTrend;
    private PositionFilter _position;
    private LevelTrendFilter _levelTrendFixed;
    private PositionFilter _positionFixed;
    private UserFilterBank _bank = null!;
    private KalmanFilter _reference2 = null!;
    private KalmanFilter _reference4 = null!;
    private Matrix<double> _h1 = null!, _r1 = null!, _h2 = null!, _r2 = null!;
    private long _ticks;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var plane = new LocalTangentPlane(52.37, 4.89);
        for (var i = 0; i < Inputs; i++)
        {
            _hr[i] = 120 + 4 * Gauss();
            _x[i] = 5 * Gauss();
            _y[i] = 5 * Gauss();
            plane.ToGeodetic(_x[i], _y[i], out _lat[i], out _lon[i]);
            _readings[i] = new Reading(i, 0, _hr[i], 3 + 0.4 * Gauss(), 165 + 3 * Gauss(), 2 + 0.5 * Gauss(), _lat[i], _lon[i]);
        }

        var options = new FilterOptions();
        _hrModel = options.Models.Hr;
        _positionModel = options.Models.Position;
        _ticks = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        _levelTrend = default;
        _position = default;
        _bank = new UserFilterBank(options);
        var fixedOptions = new FilterOptions { Adaptation = new AdaptationOptions { Weight = 0 } };
        _hrModelFixed = fixedOptions.Models.Hr;
        _positionModelFixed = fixedOptions.Models.Position;
        _levelTrendFixed = default;
        _positionFixed = default;
        _levelTrend.Update(_hrModel, _ticks, _hr[0], HrVariance);
        _position.Update(_positionModel, _ticks, _lat[0], _lon[0], PositionVariance);
        _levelTrendFixed.Update(_hrModelFixed, _ticks, _hr[0], HrVariance);
        _positionFixed.Update(_positionModelFixed, _ticks, _lat[0], _lon[0], PositionVariance);
        _bank.Apply(_readings[0] with { TimestampUtcTicks = _ticks }, _noise);
        _reference2 = new KalmanFilter(Vector<double>.Build.DenseOfArray([_hr[0], 0]),
            Matrix<double>.Build.DenseOfDiagonalArray([HrVariance, _hrModel.InitialRateVariance]));
        _reference4 = new KalmanFilter(Vector<double>.Build.DenseOfArray([_x[0], _y[0], 0, 0]),
            Matrix<double>.Build.DenseOfDiagonalArray([PositionVariance, PositionVariance, _positionModel.InitialRateVariance, _positionModel.InitialRateVariance]));
        _h1 = KalmanFilter.PositionObservation(1);
        _r1 = Matrix<double>.Build.DenseIdentity(1) * HrVariance;
        _h2 = KalmanFilter.PositionObservation(2);
        _r2 = Matrix<double>.Build.DenseIdentity(2) * PositionVariance;
    }

    private int Next()
    {
        _ticks += TimeSpan.TicksPerSecond;
        return _i++ & (Inputs - 1);
    }

    [Benchmark(Description = "LevelTrendFilter.Update (hot path)")]
    [BenchmarkCategory("2-state level+trend")]
    public FilterOutcome LevelTrendUpdate()
    {
        var i = Next();
        return _levelTrend.Update(_hrModel, _ticks, _hr[i], HrVariance);
    }

    [Benchmark(Description = "LevelTrendFilter.Update (fixed R)")]
    [BenchmarkCategory("2-state level+trend")]
    public FilterOutcome LevelTrendUpdateFixed()
    {
        var i = Next();
        return _levelTrendFixed.Update(_hrModelFixed, _ticks, _hr[i], HrVariance);
    }

    [Benchmark(Baseline = true, Description = "KalmanFilter 2-state (MathNet reference)")]
    [BenchmarkCategory("2-state level+trend")]
    public KalmanUpdate? ReferenceLevelTrendUpdate()
    {
        var i = Next();
        _reference2.Predict(KalmanFilter.ConstantVelocityTransition(1, 1.0),
            KalmanFilter.ConstantVelocityProcessNoise(1, 1.0, _hrModel.ProcessNoise));
        return _reference2.Update(Vector<double>.Build.Dense(1, _hr[i]), _h1, _r1, _hrModel.NisGate);
    }

    [Benchmark(Description = "PositionFilter.Update (hot path, incl. projection)")]
    [BenchmarkCategory("4-state position")]
    public FilterOutcome PositionUpdate()
    {
        var i = Next();
        return _position.Update(_positionModel, _ticks, _lat[i], _lon[i], PositionVariance);
    }

    [Benchmark(Description = "PositionFilter.Update (fixed R)")]
    [BenchmarkCategory("4-state position")]
    public FilterOutcome PositionUpdateFixed()
    {
        var i = Next();
        return _positionFixed.Update(_positionModelFixed, _ticks, _lat[i], _lon[i], PositionVariance);
    }

    [Benchmark(Baseline = true, Description = "KalmanFilter 4-state (MathNet reference)")]
    [BenchmarkCategory("4-state position")]
    public KalmanUpdate? ReferencePositionUpdate()
    {
        var i = Next();
        _reference4.Predict(KalmanFilter.ConstantVelocityTransition(2, 1.0),
            KalmanFilter.ConstantVelocityProcessNoise(2, 1.0, _positionModel.ProcessNoise));
        return _reference4.Update(Vector<double>.Build.DenseOfArray([_x[i], _y[i]]), _h2, _r2, _positionModel.NisGate);
    }

    [Benchmark(Baseline = true, Description = "UserFilterBank.Apply (all 5 sensors)")]
    [BenchmarkCategory("bank")]
    public ApplyResult BankApply()
    {
        var i = Next();
        return _bank.Apply(_readings[i] with { TimestampUtcTicks = _ticks }, _noise);
    }

    [Benchmark(Description = "UserFilterBank.Estimate (+1 s)")]
    [BenchmarkCategory("bank")]
    public StateEstimate BankEstimate() => _bank.Estimate(_bank.LastUpdateUtcTicks + TimeSpan.TicksPerSecond);
}
