using System.Numerics;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Implicit-feedback alternating least squares (Hu, Koren &amp; Volinsky 2008, "Collaborative
/// Filtering for Implicit Feedback Datasets"). Minimises
/// L = Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ_u ‖x_u‖² + Σ_i ‖y_i‖²), c_ui = 1 + α·w_ui,
/// p_ui = 1 for observed pairs (c = 1, p = 0 otherwise), by alternating exact or approximate
/// minimisation over X (users) and Y (items). With Y fixed, each user solves
/// (YᵀY + Yᵀ(C_u − I)Y + λI) x_u = YᵀC_u p(u), where YᵀY (k×k) is computed once per half-step
/// and Yᵀ(C_u − I)Y involves only the user's n_u items; symmetrically for items.
/// <list type="bullet">
/// <item><see cref="AlsSolver.Cholesky"/>: exact, O(n_u·k² + k³) per user; L never increases.</item>
/// <item><see cref="AlsSolver.ConjugateGradient"/>: <see cref="AlsOptions.CgSteps"/> CG steps
/// warm-started from the previous x_u, the matrix applied implicitly (Takács, Pilászy &amp; Tikk
/// 2011, "Applications of the conjugate gradient method for implicit feedback collaborative
/// filtering"): O(steps·(n_u·k + k²)) per user.</item>
/// </list>
/// Factors are float32 (halves memory traffic; the CG arithmetic is float, the Gram matrix and
/// Cholesky systems double). Iteration t updates all users, then all items; initial factors are
/// uniform in [0, 0.01) from <see cref="AlsOptions.Seed"/>. Results are bit-identical for a
/// given seed, data and machine, whatever <see cref="AlsOptions.MaxDegreeOfParallelism"/>.
/// Users or items without entries get the zero factor.
/// </summary>
public static class ImplicitAlsTrainer
{
    /// <summary>
    /// Trains on <paramref name="data"/> (users × items weights). Reports after each iteration;
    /// throws <see cref="OperationCanceledException"/> within one block of rows after
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static AlsFactors Train(
        InteractionMatrix data, AlsOptions options, IProgress<AlsProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (x, y) = Train<float>(data, options, SimdDispatch.Best, progress, cancellationToken);
        return new AlsFactors(options.Rank, data.Rows, data.Columns, x, y);
    }

    /// <summary>Training with factor type <typeparamref name="T"/> and a forced register width (tests, benchmarks).</summary>
    internal static (T[] Users, T[] Items) Train<T>(
        InteractionMatrix data, AlsOptions options, SimdWidth width, IProgress<AlsProgress>? progress, CancellationToken cancellationToken)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return width switch
        {
            SimdWidth.Bits512 => AlsEngine<T, Simd512<T>, Simd512<double>>.Train(data, options, progress, cancellationToken),
            SimdWidth.Bits256 => AlsEngine<T, Simd256<T>, Simd256<double>>.Train(data, options, progress, cancellationToken),
            SimdWidth.Bits128 => AlsEngine<T, Simd128<T>, Simd128<double>>.Train(data, options, progress, cancellationToken),
            _ => AlsEngine<T, ScalarSimd<T>, ScalarSimd<double>>.Train(data, options, progress, cancellationToken),
        };
    }

    /// <summary>
    /// One half-step: solves every row of <paramref name="data"/> against the fixed factors of its
    /// columns, in place in <paramref name="target"/> (read as the CG warm start). Returns the
    /// observed part of the loss (see <see cref="AlsEngine{T, V, VD}.Loss"/>) when asked. For tests.
    /// </summary>
    internal static double HalfStep<T>(
        InteractionMatrix data, T[] fixedFactors, T[] target, AlsOptions options, SimdWidth width, bool computeLoss = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options.Validate();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveParallelism };
        return width switch
        {
            SimdWidth.Bits512 => HalfStep<T, Simd512<T>, Simd512<double>>(data, fixedFactors, target, options, parallel, computeLoss),
            SimdWidth.Bits256 => HalfStep<T, Simd256<T>, Simd256<double>>(data, fixedFactors, target, options, parallel, computeLoss),
            SimdWidth.Bits128 => HalfStep<T, Simd128<T>, Simd128<double>>(data, fixedFactors, target, options, parallel, computeLoss),
            _ => HalfStep<T, ScalarSimd<T>, ScalarSimd<double>>(data, fixedFactors, target, options, parallel, computeLoss),
        };
    }

    private static double HalfStep<T, V, VD>(
        InteractionMatrix data, T[] fixedFactors, T[] target, AlsOptions options, ParallelOptions parallel, bool computeLoss)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
        where VD : struct, ISimd<VD, double>
    {
        var gram = AlsEngine<T, V, VD>.Gram(fixedFactors, data.Columns, options.Rank, parallel);
        return AlsEngine<T, V, VD>.HalfStep(data, fixedFactors, target, gram, options, parallel, computeLoss);
    }

    /// <summary>The initial factors the trainer starts from (users: stream 1, items: stream 2 of the seed).</summary>
    internal static T[] InitialFactors<T>(int count, int rank, int seed, bool items)
        where T : unmanaged, IFloatingPointIeee754<T>
        => AlsEngine<T, ScalarSimd<T>, ScalarSimd<double>>.InitialFactors(count, rank, seed, items ? 2UL : 1UL);
}
