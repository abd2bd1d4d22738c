using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// The implicit-ALS half-steps, specialised per factor type <typeparamref name="T"/> (float or
/// double, with register <typeparamref name="V"/>) and per double register <typeparamref name="VD"/>
/// (Gram matrices and the exact Cholesky path always run in double). Equations on
/// <see cref="ImplicitAlsTrainer"/>.
/// <para>Determinism: a row's new factor depends only on its own entries, its previous value
/// (CG warm start) and the fixed side, never on which thread solved it; Gram matrices and loss
/// terms are summed over partitions that do not depend on the thread count, in a fixed order.</para>
/// </summary>
internal static class AlsEngine<T, V, VD>
    where T : unmanaged, IFloatingPointIeee754<T>
    where V : struct, ISimd<V, T>
    where VD : struct, ISimd<VD, double>
{
    /// <summary>Rows per parallel work item in a half-step.</summary>
    internal const int RowsPerBlock = 64;

    /// <summary>Rows gathered (converted to double) at a time by the Cholesky path and the Gram matrix.</summary>
    private const int GatherRows = 32;

    /// <summary>Fixed number of partial Gram sums (independent of the thread count).</summary>
    private const int GramPartitions = 16;

    /// <summary>Entries per chunk of the matrix-free products (two passes over a chunk stay in L1).</summary>
    private const int SparseChunk = 128;

    private static readonly T CgTiny = T.CreateTruncating(1e-30);

    /// <summary>Trains X and Y from <paramref name="data"/> (users × items); see <see cref="ImplicitAlsTrainer"/>.</summary>
    public static (T[] Users, T[] Items) Train(
        InteractionMatrix data, AlsOptions options, IProgress<AlsProgress>? progress, CancellationToken cancellationToken)
    {
        var k = options.Rank;
        var x = InitialFactors(data.Rows, k, options.Seed, stream: 1);
        var y = InitialFactors(data.Columns, k, options.Seed, stream: 2);
        var itemsByUser = data;
        var usersByItem = data.Transpose();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveParallelism, CancellationToken = cancellationToken };
        var total = Stopwatch.StartNew();
        var gramY = Gram(y, data.Columns, k, parallel);
        var gramX = new double[k * k];
        for (var iteration = 1; iteration <= options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = total.Elapsed.TotalSeconds;
            HalfStep(itemsByUser, y, x, gramY, options, parallel, computeLoss: false);
            gramX = Gram(x, data.Rows, k, parallel);
            var observed = HalfStep(usersByItem, x, y, gramX, options, parallel, options.ComputeLoss);
            gramY = Gram(y, data.Columns, k, parallel);
            var loss = options.ComputeLoss ? Loss(observed, gramX, gramY, options.Lambda) : double.NaN;
            var now = total.Elapsed.TotalSeconds;
            progress?.Report(new AlsProgress(iteration, options.Iterations, loss, now, now - started));
        }

        return (x, y);
    }

    /// <summary>
    /// L = Σ_obs [c(1 − s)² − s²] + ⟨YᵀY, XᵀX⟩_F + λ(tr XᵀX + tr YᵀY): the unobserved part
    /// Σ_{u,i} (x_uᵀy_i)² = Σ_u x_uᵀ(YᵀY)x_u = tr(YᵀY·XᵀX) costs O(k²) instead of O(users·items·k).
    /// </summary>
    public static double Loss(double observedPart, double[] gramX, double[] gramY, double lambda)
    {
        var k = (int)Math.Sqrt(gramX.Length);
        var all = TensorPrimitives.Dot<double>(gramX, gramY);
        var traces = 0.0;
        for (var r = 0; r < k; r++)
        {
            traces += gramX[(r * k) + r] + gramY[(r * k) + r];
        }

        return observedPart + all + (lambda * traces);
    }

    /// <summary>Uniform [0, 0.01) initial factors from stream <paramref name="stream"/> of the seed.</summary>
    public static T[] InitialFactors(int count, int k, int seed, ulong stream)
    {
        var rng = SplitMix64.ForStream(seed, stream);
        var f = new T[(long)count * k];
        for (var n = 0; n < f.Length; n++)
        {
            f[n] = T.CreateTruncating(0.01 * rng.NextDouble());
        }

        return f;
    }

    /// <summary>
    /// G = FᵀF = Σ_r f_r f_rᵀ (k×k, double, full symmetric) of the <paramref name="count"/> rows
    /// of <paramref name="factors"/>; rows are converted to double before multiplying.
    /// </summary>
    public static double[] Gram(T[] factors, int count, int k, ParallelOptions parallel)
    {
        var parts = Math.Max(1, Math.Min(GramPartitions, (count + GatherRows - 1) / GatherRows));
        var partials = new double[parts][];
        Parallel.For(0, parts, parallel, part =>
        {
            var g = new double[k * k];
            var buffer = new double[GatherRows * k];
            var ones = new double[GatherRows];
            ones.AsSpan().Fill(1.0);
            var from = (int)((long)count * part / parts);
            var to = (int)((long)count * (part + 1) / parts);
            for (var start = from; start < to; start += GatherRows)
            {
                var n = Math.Min(GatherRows, to - start);
                ToDouble(factors.AsSpan(start * k, n * k), buffer);
                DenseKernels<double, VD>.SyrkLower(
                    ref MemoryMarshal.GetArrayDataReference(g), k,
                    ref MemoryMarshal.GetArrayDataReference(buffer), ref MemoryMarshal.GetArrayDataReference(ones), n);
            }

            partials[part] = g;
        });

        var gram = partials[0];
        for (var part = 1; part < parts; part++)
        {
            TensorPrimitives.Add(gram, partials[part], gram);
        }

        // Mirror the lower triangle.
        for (var r = 0; r < k; r++)
        {
            for (var c = r + 1; c < k; c++)
            {
                gram[(r * k) + c] = gram[(c * k) + r];
            }
        }

        return gram;
    }

    /// <summary>
    /// Solves every row r of <paramref name="data"/> (the side being updated; its entries index the
    /// fixed side): (G + λI + Σ_{i∈r}(c_ri − 1) f_i f_iᵀ) z_r = Σ_{i∈r} c_ri f_i, writing z_r into
    /// <paramref name="target"/>. <paramref name="gram"/> is G = FᵀF of the fixed factors F.
    /// Returns Σ_obs [c(1 − s)² − s²] with s = z_rᵀ f_i when <paramref name="computeLoss"/>, else 0.
    /// </summary>
    public static double HalfStep(
        InteractionMatrix data, T[] fixedFactors, T[] target, double[] gram, AlsOptions options, ParallelOptions parallel, bool computeLoss)
    {
        var k = options.Rank;
        if (fixedFactors.Length != (long)data.Columns * k || target.Length != (long)data.Rows * k || gram.Length != k * k)
        {
            throw new ArgumentException("Factor or Gram sizes do not match the matrix and rank.");
        }

        var gramLambda = (double[])gram.Clone();
        for (var r = 0; r < k; r++)
        {
            gramLambda[(r * k) + r] += options.Lambda;
        }

        var gramLambdaT = new T[k * k];
        for (var n = 0; n < gramLambdaT.Length; n++)
        {
            gramLambdaT[n] = T.CreateTruncating(gramLambda[n]);
        }

        var blocks = (data.Rows + RowsPerBlock - 1) / RowsPerBlock;
        var blockLoss = computeLoss ? new double[blocks] : null;
        var alpha = T.CreateTruncating(options.Alpha);
        Parallel.For(
            0,
            blocks,
            parallel,
            () => new Scratch(k, options.Solver),
            (block, _, scratch) =>
            {
                var loss = 0.0;
                var end = Math.Min(data.Rows, (block + 1) * RowsPerBlock);
                for (var row = block * RowsPerBlock; row < end; row++)
                {
                    var idx = data.RowIndices(row);
                    var w = data.RowValues(row);
                    var z = target.AsSpan(row * k, k);
                    if (idx.IsEmpty)
                    {
                        z.Clear();
                        continue;
                    }

                    if (options.Solver == AlsSolver.Cholesky)
                    {
                        SolveCholesky(idx, w, fixedFactors, k, options.Alpha, gramLambda, z, scratch.A, scratch.B, scratch.Rows, scratch.Scale);
                    }
                    else
                    {
                        SolveConjugateGradient(idx, w, fixedFactors, k, alpha, gramLambdaT, options.CgSteps, z, scratch);
                    }

                    if (blockLoss is not null)
                    {
                        loss += ObservedLoss(idx, w, fixedFactors, k, options.Alpha, z, scratch.Dots);
                    }
                }

                if (blockLoss is not null)
                {
                    blockLoss[block] = loss;
                }

                return scratch;
            },
            _ => { });

        var sum = 0.0;
        if (blockLoss is not null)
        {
            foreach (var part in blockLoss)
            {
                sum += part;
            }
        }

        return sum;
    }

    /// <summary>
    /// Exact solve of (Gλ + Σ_j (c_j − 1) f_j f_jᵀ) z = Σ_j c_j f_j: the normal matrix is
    /// assembled in double (lower triangle, rank-k updates of gathered rows) and Cholesky-solved.
    /// </summary>
    public static void SolveCholesky(
        ReadOnlySpan<int> idx, ReadOnlySpan<float> w, ReadOnlySpan<T> factors, int k, double alpha, ReadOnlySpan<double> gramLambda, Span<T> z,
        Span<double> a, Span<double> b, Span<double> rows, Span<double> scale)
    {
        gramLambda[..(k * k)].CopyTo(a);
        b[..k].Clear();
        ref var aRef = ref MemoryMarshal.GetReference(a);
        ref var bRef = ref MemoryMarshal.GetReference(b);
        var chunk = Math.Min(rows.Length / k, scale.Length);
        for (var start = 0; start < idx.Length; start += chunk)
        {
            var n = Math.Min(chunk, idx.Length - start);
            for (var j = 0; j < n; j++)
            {
                var row = rows.Slice(j * k, k);
                ToDouble(factors.Slice(idx[start + j] * k, k), row);
                var cm1 = alpha * w[start + j];
                scale[j] = cm1;
                DenseKernels<double, VD>.Axpy(1.0 + cm1, ref MemoryMarshal.GetReference(row), ref bRef, k);
            }

            DenseKernels<double, VD>.SyrkLower(ref aRef, k, ref MemoryMarshal.GetReference(rows), ref MemoryMarshal.GetReference(scale), n);
        }

        if (!DenseKernels<double, VD>.CholeskyInPlace(ref aRef, k))
        {
            throw new InvalidOperationException("ALS normal matrix is not positive definite (λ too small or non-finite factors).");
        }

        DenseKernels<double, VD>.CholeskySolve(ref aRef, k, ref bRef);
        for (var n = 0; n < k; n++)
        {
            z[n] = T.CreateTruncating(b[n]);
        }
    }

    /// <summary>Doubles of scratch <see cref="SolveCholesky"/> needs for rank k: A (k²), b (k), gathered rows and their scales.</summary>
    public static int CholeskyScratchLength(int k) => (k * k) + k + (GatherRows * k) + GatherRows;

    /// <summary><see cref="SolveCholesky"/> with one scratch span of <see cref="CholeskyScratchLength"/> doubles.</summary>
    public static void SolveCholesky(
        ReadOnlySpan<int> idx, ReadOnlySpan<float> w, ReadOnlySpan<T> factors, int k, double alpha, ReadOnlySpan<double> gramLambda, Span<T> z, Span<double> scratch)
    {
        var a = scratch[..(k * k)];
        var b = scratch.Slice(k * k, k);
        var rows = scratch.Slice((k * k) + k, GatherRows * k);
        var scale = scratch.Slice((k * k) + k + (GatherRows * k), GatherRows);
        SolveCholesky(idx, w, factors, k, alpha, gramLambda, z, a, b, rows, scale);
    }

    /// <summary>
    /// <paramref name="steps"/> conjugate-gradient steps on A z = b, A = Gλ + Σ_j (c_j − 1) f_j f_jᵀ,
    /// b = Σ_j c_j f_j, from the current z (warm start). A is applied without forming it:
    /// A v = Gλ v + Σ_j (c_j − 1)(f_jᵀv) f_j. The initial residual is fused the same way:
    /// r = b − A z = Σ_j [c_j − (c_j − 1) f_jᵀz] f_j − Gλ z.
    /// </summary>
    public static void SolveConjugateGradient(
        ReadOnlySpan<int> idx, ReadOnlySpan<float> w, T[] factors, int k, T alpha, T[] gramLambda, int steps, Span<T> z, Scratch scratch)
    {
        ref var f = ref MemoryMarshal.GetArrayDataReference(factors);
        ref var g = ref MemoryMarshal.GetArrayDataReference(gramLambda);
        ref var x = ref MemoryMarshal.GetReference(z);
        ref var r = ref MemoryMarshal.GetArrayDataReference(scratch.R);
        ref var p = ref MemoryMarshal.GetArrayDataReference(scratch.P);
        ref var ap = ref MemoryMarshal.GetArrayDataReference(scratch.Ap);
        var t = scratch.Dots;
        var coef = scratch.Coef;

        // r = Σ_j [c_j − (c_j − 1) f_jᵀz] f_j − Gλ z
        DenseKernels<T, V>.SymmetricMatVec(ref g, ref x, ref ap, k);
        scratch.R.AsSpan().Clear();
        ApplySparse(idx, w, ref f, k, alpha, ref x, ref r, t, coef, residual: true);
        DenseKernels<T, V>.Axpy(T.NegativeOne, ref ap, ref r, k);
        scratch.R.AsSpan().CopyTo(scratch.P);
        var rs = DenseKernels<T, V>.Dot(ref r, ref r, k);
        for (var step = 0; step < steps && rs > CgTiny; step++)
        {
            // Ap = Gλ p + Σ_j (c_j − 1)(f_jᵀp) f_j
            DenseKernels<T, V>.SymmetricMatVec(ref g, ref p, ref ap, k);
            ApplySparse(idx, w, ref f, k, alpha, ref p, ref ap, t, coef, residual: false);
            var pap = DenseKernels<T, V>.Dot(ref p, ref ap, k);
            if (!(pap > T.Zero))
            {
                break;
            }

            var a = rs / pap;
            DenseKernels<T, V>.Axpy(a, ref p, ref x, k);
            DenseKernels<T, V>.Axpy(-a, ref ap, ref r, k);
            var rsNew = DenseKernels<T, V>.Dot(ref r, ref r, k);
            DenseKernels<T, V>.Xpby(ref r, rsNew / rs, ref p, k);
            rs = rsNew;
        }
    }

    /// <summary>
    /// acc += Σ_j coef_j f_j with coef_j = (c_j − 1)(f_jᵀv), or c_j − (c_j − 1)(f_jᵀv) when
    /// <paramref name="residual"/>; c_j − 1 = α·w_j. Rows are processed in chunks of
    /// <see cref="SparseChunk"/> so the second pass over a chunk's rows hits L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplySparse(
        ReadOnlySpan<int> idx, ReadOnlySpan<float> w, ref T f, int k, T alpha, ref T v, ref T acc, T[] t, T[] coef, bool residual)
    {
        for (var start = 0; start < idx.Length; start += SparseChunk)
        {
            var n = Math.Min(SparseChunk, idx.Length - start);
            var chunk = idx.Slice(start, n);
            var dots = t.AsSpan(0, n);
            var c = coef.AsSpan(0, n);
            var weights = w.Slice(start, n);
            DenseKernels<T, V>.GatherDots(ref f, k, chunk, ref v, k, dots);
            if (residual)
            {
                for (var j = 0; j < n; j++)
                {
                    var cm1 = alpha * T.CreateTruncating(weights[j]);
                    c[j] = T.One + cm1 - (cm1 * dots[j]);
                }
            }
            else
            {
                for (var j = 0; j < n; j++)
                {
                    c[j] = alpha * T.CreateTruncating(weights[j]) * dots[j];
                }
            }

            DenseKernels<T, V>.GatherAccumulate(ref f, k, chunk, c, ref acc, k);
        }
    }

    /// <summary>Σ_j [c_j(1 − s_j)² − s_j²] with s_j = zᵀf_j over the row's entries.</summary>
    private static double ObservedLoss(ReadOnlySpan<int> idx, ReadOnlySpan<float> w, T[] factors, int k, double alpha, Span<T> z, T[] t)
    {
        var sum = 0.0;
        for (var start = 0; start < idx.Length; start += SparseChunk)
        {
            var n = Math.Min(SparseChunk, idx.Length - start);
            var dots = t.AsSpan(0, n);
            DenseKernels<T, V>.GatherDots(ref MemoryMarshal.GetArrayDataReference(factors), k, idx.Slice(start, n), ref MemoryMarshal.GetReference(z), k, dots);
            for (var j = 0; j < n; j++)
            {
                var s = double.CreateTruncating(dots[j]);
                var c = 1.0 + (alpha * w[start + j]);
                sum += (c * (1.0 - s) * (1.0 - s)) - (s * s);
            }
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ToDouble(ReadOnlySpan<T> source, Span<double> destination)
    {
        if (typeof(T) == typeof(double))
        {
            MemoryMarshal.Cast<T, double>(source).CopyTo(destination);
        }
        else if (typeof(T) == typeof(float))
        {
            TensorPrimitives.ConvertChecked(MemoryMarshal.Cast<T, float>(source), destination[..source.Length]);
        }
        else
        {
            for (var n = 0; n < source.Length; n++)
            {
                destination[n] = double.CreateTruncating(source[n]);
            }
        }
    }

    /// <summary>Per-worker buffers, allocated once per worker and half-step (never per row).</summary>
    internal sealed class Scratch
    {
        public Scratch(int k, AlsSolver solver)
        {
            R = new T[k];
            P = new T[k];
            Ap = new T[k];
            Dots = new T[SparseChunk];
            Coef = new T[SparseChunk];
            A = solver == AlsSolver.Cholesky ? new double[k * k] : [];
            B = solver == AlsSolver.Cholesky ? new double[k] : [];
            Rows = solver == AlsSolver.Cholesky ? new double[GatherRows * k] : [];
            Scale = solver == AlsSolver.Cholesky ? new double[GatherRows] : [];
        }

        public T[] R { get; }

        public T[] P { get; }

        public T[] Ap { get; }

        public T[] Dots { get; }

        public T[] Coef { get; }

        public double[] A { get; }

        public double[] B { get; }

        public double[] Rows { get; }

        public double[] Scale { get; }
    }
}
