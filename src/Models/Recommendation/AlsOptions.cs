namespace Osr.Orleans.Models.Recommendation;

/// <summary>How each ALS half-step solves its per-row k×k systems.</summary>
public enum AlsSolver
{
    /// <summary>
    /// <see cref="AlsOptions.CgSteps"/> conjugate-gradient steps warm-started from the previous
    /// factor, matrix-free (Takács, Pilászy &amp; Tikk 2011): O(steps·(n_u·k + k²)) per row.
    /// Approximate per half-step; converges over iterations.
    /// </summary>
    ConjugateGradient = 0,

    /// <summary>Exact: assemble the k×k normal matrix (double) and Cholesky-solve it: O(n_u·k² + k³) per row.</summary>
    Cholesky = 1,
}

/// <summary>
/// Hyper-parameters of implicit ALS (Hu, Koren &amp; Volinsky 2008), minimising
/// L = Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ_u ‖x_u‖² + Σ_i ‖y_i‖²) with c_ui = 1 + α·w_ui,
/// p_ui = 1 if w_ui was observed (else c = 1, p = 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.als-options")]
public sealed record AlsOptions
{
    /// <summary>Rank k of the factors. Range: k ≥ 1.</summary>
    [Id(0)] public int Rank { get; init; } = 64;

    /// <summary>L2 regularisation λ. Range: λ &gt; 0 (keeps every system positive definite).</summary>
    [Id(1)] public double Lambda { get; init; } = 0.1;

    /// <summary>Confidence slope α in c = 1 + α·w. Range: α ≥ 0.</summary>
    [Id(2)] public double Alpha { get; init; } = 10;

    /// <summary>Number of iterations; each updates all users, then all items. Range: ≥ 0.</summary>
    [Id(3)] public int Iterations { get; init; } = 15;

    /// <summary>Seed of the initial factors (uniform in [0, 0.01)); same seed, same result.</summary>
    [Id(4)] public int Seed { get; init; } = 42;

    [Id(5)] public AlsSolver Solver { get; init; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and half-step (warm-started). Range: ≥ 1. Default 3.</summary>
    [Id(6)] public int CgSteps { get; init; } = 3;

    /// <summary>Worker threads; ≤ 0 means <see cref="Environment.ProcessorCount"/>. Results do not depend on it.</summary>
    [Id(7)] public int MaxDegreeOfParallelism { get; init; }

    /// <summary>Computes the loss after each iteration (≈ one extra dot product per stored pair; reported through progress).</summary>
    [Id(8)] public bool ComputeLoss { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid value.</summary>
    public void Validate()
    {
        if (Rank < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "Rank must be ≥ 1.");
        }

        if (!(Lambda > 0) || double.IsInfinity(Lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "Lambda must be finite and > 0.");
        }

        if (!(Alpha >= 0) || double.IsInfinity(Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be finite and ≥ 0.");
        }

        if (Iterations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations must be ≥ 0.");
        }

        if (CgSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CgSteps), CgSteps, "CgSteps must be ≥ 1.");
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown solver.");
        }
    }

    internal int EffectiveParallelism => MaxDegreeOfParallelism > 0 ? MaxDegreeOfParallelism : Environment.ProcessorCount;
}
