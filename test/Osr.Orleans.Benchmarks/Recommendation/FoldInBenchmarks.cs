using BenchmarkDotNet.Attributes;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// Fold-in of one user with 50 interactions at rank 64 over 10k items (exact: assemble the
/// 64×64 system in double, Cholesky, solve), with caller scratch; against the naive MathNet
/// equivalent (dense matrices, allocating) for scale.
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- --filter '*FoldIn*'</c>.
/// </summary>
[MemoryDiagnoser]
public class FoldInBenchmarks
{
    private const int Rank = 64;
    private const int Items = 10_000;
    private const int Interactions = 50;

    private readonly float[] _x = new float[Rank];
    private readonly int[][] _items = new int[16][];
    private readonly float[][] _weights = new float[16][];
    private FoldIn _foldIn = null!;
    private double[] _scratch = [];
    private float[] _y = [];
    private int _n;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2);
        _y = new float[Items * Rank];
        for (var n = 0; n < _y.Length; n++)
        {
            _y[n] = (float)(rng.NextDouble() - 0.5) * 0.3f;
        }

        _foldIn = new FoldIn(_y, Rank, 0.1, 10);
        _scratch = new double[_foldIn.ScratchLength];
        for (var u = 0; u < _items.Length; u++)
        {
            _items[u] = Enumerable.Range(0, Items).OrderBy(_ => rng.Next()).Take(Interactions).Order().ToArray();
            _weights[u] = _items[u].Select(_ => (float)rng.Next(1, 4)).ToArray();
        }
    }

    [Benchmark(Baseline = true)]
    public float FoldIn50()
    {
        var u = _n++ & 15;
        _foldIn.Compute(_items[u], _weights[u], _x, _scratch);
        return _x[0];
    }

    /// <summary>The same solve written plainly with MathNet (YᵀY + λI precomputed once, as in <see cref="FoldIn"/>).</summary>
    [Benchmark]
    public double MathNet50()
    {
        var u = _n++ & 15;
        var a = _gramLambda.Clone();
        var b = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(Rank);
        for (var j = 0; j < Interactions; j++)
        {
            var y = _yRows.Row(_items[u][j]);
            var c = 1.0 + (10.0 * _weights[u][j]);
            a += (c - 1.0) * y.OuterProduct(y);
            b += c * y;
        }

        return a.Cholesky().Solve(b)[0];
    }

    private MathNet.Numerics.LinearAlgebra.Matrix<double> _yRows = null!;
    private MathNet.Numerics.LinearAlgebra.Matrix<double> _gramLambda = null!;

    [GlobalSetup(Target = nameof(MathNet50))]
    public void SetupMathNet()
    {
        Setup();
        _yRows = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(Items, Rank, (i, c) => _y[(i * Rank) + c]);
        _gramLambda = _yRows.TransposeThisAndMultiply(_yRows) + (0.1 * MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(Rank));
    }
}
