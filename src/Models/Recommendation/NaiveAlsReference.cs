using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Straightforward single-threaded implicit ALS in double on MathNet matrices: the readable
/// reference (test oracle and benchmark baseline) for <see cref="ImplicitAlsTrainer"/>. Same
/// equations (see there), same initial factors, no tricks beyond the YᵀY precomputation:
/// per row it forms A = YᵀY + λI + Σ_{i∈u}(c_ui − 1) y_i y_iᵀ as a dense k×k MathNet matrix and
/// b = Σ_{i∈u} c_ui y_i, and solves A x = b by MathNet's Cholesky. Allocates per row; slow.
/// </summary>
public static class NaiveAlsReference
{
    /// <summary>Trains X (users × k) and Y (items × k), row-major, starting from the trainer's initial factors.</summary>
    public static (double[] Users, double[] Items) Train(
        InteractionMatrix data, AlsOptions options, IProgress<AlsProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var k = options.Rank;
        var x = Widen(ImplicitAlsTrainer.InitialFactors<float>(data.Rows, k, options.Seed, items: false));
        var y = Widen(ImplicitAlsTrainer.InitialFactors<float>(data.Columns, k, options.Seed, items: true));
        var transposed = data.Transpose();
        var clock = Stopwatch.StartNew();
        for (var iteration = 1; iteration <= options.Iterations; iteration++)
        {
            var started = clock.Elapsed.TotalSeconds;
            HalfStep(data, y, x, options, cancellationToken);
            HalfStep(transposed, x, y, options, cancellationToken);
            var loss = options.ComputeLoss ? Loss(data, x, y, options) : double.NaN;
            progress?.Report(new AlsProgress(iteration, options.Iterations, loss, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds - started));
        }

        return (x, y);
    }

    /// <summary>Solves every row of <paramref name="data"/> exactly against <paramref name="fixedFactors"/>, writing <paramref name="target"/>.</summary>
    public static void HalfStep(InteractionMatrix data, double[] fixedFactors, double[] target, AlsOptions options, CancellationToken cancellationToken = default)
    {
        var k = options.Rank;
        var f = Matrix<double>.Build.Dense(data.Columns, k, (r, c) => fixedFactors[(r * k) + c]);
        var gram = f.TransposeThisAndMultiply(f);
        for (var row = 0; row < data.Rows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var idx = data.RowIndices(row);
            var w = data.RowValues(row);
            var a = gram + (options.Lambda * Matrix<double>.Build.DenseIdentity(k));
            var b = Vector<double>.Build.Dense(k);
            for (var j = 0; j < idx.Length; j++)
            {
                var fi = f.Row(idx[j]);
                var c = 1.0 + (options.Alpha * w[j]);
                a += (c - 1.0) * fi.OuterProduct(fi);
                b += c * fi;
            }

            var solution = a.Cholesky().Solve(b);
            for (var n = 0; n < k; n++)
            {
                target[(row * k) + n] = solution[n];
            }
        }
    }

    /// <summary>
    /// L = Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(‖X‖² + ‖Y‖²) summed directly over all users × items
    /// (O(users·items·k); for tests and small data).
    /// </summary>
    public static double Loss(InteractionMatrix data, double[] x, double[] y, AlsOptions options)
    {
        var k = options.Rank;
        var loss = 0.0;
        for (var u = 0; u < data.Rows; u++)
        {
            for (var i = 0; i < data.Columns; i++)
            {
                var s = 0.0;
                for (var n = 0; n < k; n++)
                {
                    s += x[(u * k) + n] * y[(i * k) + n];
                }

                var w = data[u, i];
                var observed = data.RowIndices(u).BinarySearch(i) >= 0;
                var c = observed ? 1.0 + (options.Alpha * w) : 1.0;
                var p = observed ? 1.0 : 0.0;
                loss += c * (p - s) * (p - s);
            }
        }

        var norms = 0.0;
        foreach (var v in x)
        {
            norms += v * v;
        }

        foreach (var v in y)
        {
            norms += v * v;
        }

        return loss + (options.Lambda * norms);
    }

    private static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);
}
