using MathNet.Numerics.LinearAlgebra;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

/// <summary>
/// One user half-step on a 3-user × 4-item matrix at rank 2 (λ = 0.1, α = 2) with fixed item
/// factors y₀ = (1, 0), y₁ = (0, 1), y₂ = (1, 1), y₃ = (0.5, −1) and weights
/// u₀: {i₀: 1, i₂: 3}, u₁: {i₁: 2}, u₂: {i₀: 1, i₁: 1, i₃: 5}.
/// Oracle 1: exact rational arithmetic (Python fractions) of (Yᵀ C_u Y + λI) x_u = Yᵀ C_u p_u
/// with the dense 4×4 C_u — e.g. u₁: A = [[47/20, 1/2], [1/2, 71/10]], b = (0, 5),
/// x₁ = (−500/3287, 2350/3287). Oracle 2: MathNet dense LU solve of the same dense normal
/// equations (no YᵀY trick, no sparsity). Tolerance 1e-9 absolute for double, 1e-5 for float
/// (factors are rounded to float32 on output).
/// </summary>
public sealed class AlsHalfStepTests
{
    private static readonly double[] ItemFactors = [1, 0, 0, 1, 1, 1, 0.5, -1];

    private static readonly AlsOptions Options = new() { Rank = 2, Lambda = 0.1, Alpha = 2, Solver = AlsSolver.Cholesky, MaxDegreeOfParallelism = 1 };

    private static readonly double[] Exact =
    [
        700.0 / 799, 1490.0 / 10387,
        -500.0 / 3287, 2350.0 / 3287,
        18470.0 / 16637, -3310.0 / 16637,
    ];

    public static TheoryData<int> Widths() => new(SupportedWidths().Select(w => (int)w));

    internal static IEnumerable<SimdWidth> SupportedWidths()
    {
        yield return SimdWidth.Scalar;
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            yield return SimdWidth.Bits128;
        }

        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            yield return SimdWidth.Bits256;
        }

        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            yield return SimdWidth.Bits512;
        }
    }

    private static InteractionMatrix Tiny() => InteractionMatrix.FromTriples(
        3, 4, [0, 0, 1, 2, 2, 2], [0, 2, 1, 0, 1, 3], [1f, 3f, 2f, 1f, 1f, 5f]);

    /// <summary>Oracle 2: x_u = (Yᵀ C_u Y + λI)⁻¹ Yᵀ C_u p_u with dense C_u (items × items).</summary>
    private static double[] MathNetDirectSolve(InteractionMatrix data, double[] itemFactors, AlsOptions options)
    {
        var k = options.Rank;
        var y = Matrix<double>.Build.Dense(data.Columns, k, (i, c) => itemFactors[(i * k) + c]);
        var result = new double[data.Rows * k];
        for (var u = 0; u < data.Rows; u++)
        {
            var c = Matrix<double>.Build.DenseDiagonal(data.Columns, data.Columns, i => 1 + (options.Alpha * data[u, i]));
            var p = Vector<double>.Build.Dense(data.Columns, i => data.RowIndices(u).Contains(i) ? 1 : 0);
            var a = (y.Transpose() * c * y) + (options.Lambda * Matrix<double>.Build.DenseIdentity(k));
            var x = a.Solve(y.Transpose() * c * p);
            for (var n = 0; n < k; n++)
            {
                result[(u * k) + n] = x[n];
            }
        }

        return result;
    }

    [Fact]
    public void MathNetOracleReproducesTheExactRationalSolution()
    {
        MathNetDirectSolve(Tiny(), ItemFactors, Options).Should().Equal(Exact, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void CholeskyHalfStepInDoubleMatchesTheNormalEquations(int widthBits)
    {
        var width = (SimdWidth)widthBits;
        var x = new double[6];
        ImplicitAlsTrainer.HalfStep(Tiny(), (double[])ItemFactors.Clone(), x, Options, width);
        x.Should().Equal(Exact, (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void CholeskyHalfStepInFloatMatchesTheNormalEquations(int widthBits)
    {
        var width = (SimdWidth)widthBits;
        var x = new float[6];
        ImplicitAlsTrainer.HalfStep(Tiny(), Array.ConvertAll(ItemFactors, v => (float)v), x, Options, width);
        x.Should().Equal(Exact, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ConjugateGradientWithRankStepsMatchesCholesky(int widthBits)
    {
        var width = (SimdWidth)widthBits;
        // In exact arithmetic CG solves a k×k SPD system in ≤ k steps from any start.
        var x = new double[6];
        x.AsSpan().Fill(0.3); // warm start away from the solution
        ImplicitAlsTrainer.HalfStep(Tiny(), (double[])ItemFactors.Clone(), x, Options with { Solver = AlsSolver.ConjugateGradient, CgSteps = 2 }, width);
        x.Should().Equal(Exact, (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void ConjugateGradientConvergesToCholeskyOnALargerSystem()
    {
        // Oracle: the exact Cholesky half-step (itself checked above) at rank 12 on random data.
        var data = SyntheticInteractions.Generate(new SyntheticOptions { Users = 200, Items = 120, Interactions = 3000, Seed = 3 }).ToMatrix();
        var options = new AlsOptions { Rank = 12, Lambda = 0.5, Alpha = 5, Solver = AlsSolver.Cholesky };
        var rng = new Random(1);
        var y = Enumerable.Range(0, 120 * 12).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var exact = new double[200 * 12];
        ImplicitAlsTrainer.HalfStep(data, y, exact, options, SimdDispatch.Best);
        var cg = new double[200 * 12];
        ImplicitAlsTrainer.HalfStep(data, y, cg, options with { Solver = AlsSolver.ConjugateGradient, CgSteps = 40 }, SimdDispatch.Best);
        cg.Should().Equal(exact, (a, b) => Math.Abs(a - b) < 1e-8);
    }

    [Fact]
    public void CholeskyHalfStepMatchesTheNaiveMathNetReferenceAtRank64()
    {
        // Oracle: NaiveAlsReference.HalfStep (dense k×k MathNet matrix per row, MathNet Cholesky). 1e-9 in double.
        var data = SyntheticInteractions.Generate(new SyntheticOptions { Users = 60, Items = 300, Interactions = 3000, Seed = 4 }).ToMatrix();
        var options = new AlsOptions { Rank = 64, Lambda = 0.1, Alpha = 10, Solver = AlsSolver.Cholesky };
        var rng = new Random(2);
        var y = Enumerable.Range(0, 300 * 64).Select(_ => (rng.NextDouble() - 0.5) * 0.2).ToArray();
        var fast = new double[60 * 64];
        ImplicitAlsTrainer.HalfStep(data, y, fast, options, SimdDispatch.Best);
        var naive = new double[60 * 64];
        NaiveAlsReference.HalfStep(data, y, naive, options);
        fast.Should().Equal(naive, (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void RowsWithoutEntriesGetTheZeroFactor()
    {
        var data = InteractionMatrix.FromTriples(2, 4, [1], [2], [1f]);
        var x = new float[4];
        x.AsSpan().Fill(1f);
        ImplicitAlsTrainer.HalfStep(data, Array.ConvertAll(ItemFactors, v => (float)v), x, Options, SimdDispatch.Best);
        x[0].Should().Be(0f);
        x[1].Should().Be(0f);
    }
}
