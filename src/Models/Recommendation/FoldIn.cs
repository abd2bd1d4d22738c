namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Factor of a user the training did not see, from their own interactions, with the item
/// factors Y fixed (one exact ALS user half-step for one user; Hu, Koren &amp; Volinsky 2008, eq. 4):
/// x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ YᵀC_u p(u), c_ui = 1 + α·w_ui, p_ui = 1.
/// YᵀY + λI is computed once (double) in the constructor; each call assembles the k×k system
/// from the user's n_u items in double and Cholesky-solves it: O(n_u·k² + k³), no allocation
/// (caller-provided scratch). Thread-safe (the instance is read-only).
/// </summary>
public sealed class FoldIn
{
    private readonly float[] _itemFactors;
    private readonly double[] _gramLambda;

    /// <summary>Fold-in against Y = <paramref name="itemFactors"/> (items × rank, row-major) with the training's λ and α.</summary>
    public FoldIn(float[] itemFactors, int rank, double lambda, double alpha)
    {
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        if (itemFactors.Length % rank != 0)
        {
            throw new ArgumentException("Item factor length must be a multiple of the rank.", nameof(itemFactors));
        }

        new AlsOptions { Rank = rank, Lambda = lambda, Alpha = alpha }.Validate();
        _itemFactors = itemFactors;
        Rank = rank;
        Items = itemFactors.Length / rank;
        Lambda = lambda;
        Alpha = alpha;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 1 };
        _gramLambda = GramBest(itemFactors, Items, rank, parallel);
        for (var r = 0; r < rank; r++)
        {
            _gramLambda[(r * rank) + r] += lambda;
        }
    }

    /// <summary>Fold-in against the item factors of a trained model.</summary>
    public FoldIn(AlsFactors factors, double lambda, double alpha)
        : this((factors ?? throw new ArgumentNullException(nameof(factors))).ItemFactors, factors.Rank, lambda, alpha)
    {
    }

    public int Rank { get; }

    public int Items { get; }

    public double Lambda { get; }

    public double Alpha { get; }

    /// <summary>Doubles of scratch <see cref="Compute(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, Span{double})"/> needs.</summary>
    public int ScratchLength => AlsEngine<float, ScalarSimd<float>, ScalarSimd<double>>.CholeskyScratchLength(Rank);

    /// <summary>
    /// Writes x_u (length k) into <paramref name="userFactor"/> for the user's distinct items
    /// <paramref name="items"/> (indices into Y) with weights w ≥ 0 (<paramref name="weights"/>;
    /// repeated events of one item must be summed by the caller, as in
    /// <see cref="InteractionMatrix"/>). No items gives x_u = 0. Items the model does not know
    /// must be left out by the caller (out-of-range indices throw).
    /// </summary>
    public void Compute(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, Span<float> userFactor, Span<double> scratch)
    {
        if (items.Length != weights.Length)
        {
            throw new ArgumentException("Items and weights must have the same length.", nameof(weights));
        }

        if (userFactor.Length < Rank)
        {
            throw new ArgumentException($"User factor span must hold rank = {Rank} values.", nameof(userFactor));
        }

        if (scratch.Length < ScratchLength)
        {
            throw new ArgumentException($"Scratch must hold ScratchLength = {ScratchLength} doubles.", nameof(scratch));
        }

        for (var j = 0; j < items.Length; j++)
        {
            if ((uint)items[j] >= (uint)Items)
            {
                throw new ArgumentOutOfRangeException(nameof(items), $"Item index {items[j]} is outside [0, {Items}).");
            }

            if (!(weights[j] >= 0f) || float.IsPositiveInfinity(weights[j]))
            {
                throw new ArgumentOutOfRangeException(nameof(weights), $"Weight {weights[j]} is not finite and ≥ 0.");
            }
        }

        var x = userFactor[..Rank];
        if (items.IsEmpty)
        {
            x.Clear();
            return;
        }

        switch (SimdDispatch.Best)
        {
            case SimdWidth.Bits512:
                AlsEngine<float, Simd512<float>, Simd512<double>>.SolveCholesky(items, weights, _itemFactors, Rank, Alpha, _gramLambda, x, scratch);
                break;
            case SimdWidth.Bits256:
                AlsEngine<float, Simd256<float>, Simd256<double>>.SolveCholesky(items, weights, _itemFactors, Rank, Alpha, _gramLambda, x, scratch);
                break;
            case SimdWidth.Bits128:
                AlsEngine<float, Simd128<float>, Simd128<double>>.SolveCholesky(items, weights, _itemFactors, Rank, Alpha, _gramLambda, x, scratch);
                break;
            default:
                AlsEngine<float, ScalarSimd<float>, ScalarSimd<double>>.SolveCholesky(items, weights, _itemFactors, Rank, Alpha, _gramLambda, x, scratch);
                break;
        }
    }

    /// <summary>Convenience overload that allocates the result and the scratch.</summary>
    public float[] Compute(ReadOnlySpan<int> items, ReadOnlySpan<float> weights)
    {
        var x = new float[Rank];
        Compute(items, weights, x, new double[ScratchLength]);
        return x;
    }

    private static double[] GramBest(float[] y, int items, int rank, ParallelOptions parallel) => SimdDispatch.Best switch
    {
        SimdWidth.Bits512 => AlsEngine<float, Simd512<float>, Simd512<double>>.Gram(y, items, rank, parallel),
        SimdWidth.Bits256 => AlsEngine<float, Simd256<float>, Simd256<double>>.Gram(y, items, rank, parallel),
        SimdWidth.Bits128 => AlsEngine<float, Simd128<float>, Simd128<double>>.Gram(y, items, rank, parallel),
        _ => AlsEngine<float, ScalarSimd<float>, ScalarSimd<double>>.Gram(y, items, rank, parallel),
    };
}
