using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

/// <summary>
/// Every register width of the dense kernels against plain scalar loops in double (the
/// oracle), for ranks that exercise full register blocks, single registers and scalar tails.
/// Tolerance 1e-12 relative (different summation order only).
/// </summary>
public sealed class DenseKernelsTests
{
    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (var width in AlsHalfStepTests.SupportedWidths())
        {
            foreach (var k in new[] { 1, 3, 8, 17, 33, 64, 70 })
            {
                data.Add((int)width, k);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KernelsMatchScalarLoops(int widthBits, int k)
    {
        switch ((SimdWidth)widthBits)
        {
            case SimdWidth.Bits512:
                Check<Simd512<double>>(k);
                break;
            case SimdWidth.Bits256:
                Check<Simd256<double>>(k);
                break;
            case SimdWidth.Bits128:
                Check<Simd128<double>>(k);
                break;
            default:
                Check<ScalarSimd<double>>(k);
                break;
        }
    }

    private static void Check<V>(int k)
        where V : struct, ISimd<V, double>
    {
        var rng = new Random(k);
        double Next() => rng.NextDouble() - 0.5;
        const int Rows = 23;
        var y = Enumerable.Range(0, Rows * k).Select(_ => Next()).ToArray();
        var v = Enumerable.Range(0, k).Select(_ => Next()).ToArray();
        int[] idx = [5, 0, 22, 7, 7, 13, 1];
        var coef = idx.Select(_ => Next()).ToArray();

        // Dot, GatherDots.
        var t = new double[idx.Length];
        DenseKernels<double, V>.GatherDots(ref y[0], k, idx, ref v[0], k, t);
        for (var j = 0; j < idx.Length; j++)
        {
            var expected = 0.0;
            for (var n = 0; n < k; n++)
            {
                expected += y[(idx[j] * k) + n] * v[n];
            }

            t[j].Should().BeApproximately(expected, 1e-12);
        }

        // GatherAccumulate: acc + Σ_j coef_j y[idx_j].
        var acc = v.ToArray();
        DenseKernels<double, V>.GatherAccumulate(ref y[0], k, idx, coef, ref acc[0], k);
        for (var n = 0; n < k; n++)
        {
            var expected = v[n];
            for (var j = 0; j < idx.Length; j++)
            {
                expected += coef[j] * y[(idx[j] * k) + n];
            }

            acc[n].Should().BeApproximately(expected, 1e-12);
        }

        // SyrkLower + CholeskyInPlace + CholeskySolve on A = I·k + Σ_j s_j b_j b_jᵀ (SPD).
        var a = new double[k * k];
        for (var n = 0; n < k; n++)
        {
            a[(n * k) + n] = k;
        }

        var scale = Enumerable.Range(0, Rows).Select(_ => rng.NextDouble()).ToArray();
        DenseKernels<double, V>.SyrkLower(ref a[0], k, ref y[0], ref scale[0], Rows);
        var full = new double[k, k];
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c <= r; c++)
            {
                var expected = r == c ? k : 0.0;
                for (var j = 0; j < Rows; j++)
                {
                    expected += scale[j] * y[(j * k) + r] * y[(j * k) + c];
                }

                a[(r * k) + c].Should().BeApproximately(expected, 1e-12);
                full[r, c] = full[c, r] = expected;
            }
        }

        // Symmetric mat-vec of the full matrix.
        var fullRowMajor = new double[k * k];
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < k; c++)
            {
                fullRowMajor[(r * k) + c] = full[r, c];
            }
        }

        var product = new double[k];
        DenseKernels<double, V>.SymmetricMatVec(ref fullRowMajor[0], ref v[0], ref product[0], k);
        for (var r = 0; r < k; r++)
        {
            var expected = 0.0;
            for (var c = 0; c < k; c++)
            {
                expected += full[r, c] * v[c];
            }

            product[r].Should().BeApproximately(expected, 1e-12);
        }

        DenseKernels<double, V>.CholeskyInPlace(ref a[0], k).Should().BeTrue();
        var x = v.ToArray();
        DenseKernels<double, V>.CholeskySolve(ref a[0], k, ref x[0]);
        for (var r = 0; r < k; r++)
        {
            var ax = 0.0;
            for (var c = 0; c < k; c++)
            {
                ax += full[r, c] * x[c];
            }

            ax.Should().BeApproximately(v[r], 1e-10);
        }
    }

    [Fact]
    public void CholeskyReportsAMatrixThatIsNotPositiveDefinite()
    {
        double[] a = [1, 0, 2, 1]; // lower triangle of [[1, 2], [2, 1]], eigenvalues 3 and −1
        DenseKernels<double, ScalarSimd<double>>.CholeskyInPlace(ref a[0], 2).Should().BeFalse();
    }
}
