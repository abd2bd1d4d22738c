using System.Buffers;
using System.Numerics.Tensors;

namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// The served propensity model: p(s, i) = P(accept | state s, category of item i) =
/// σ(A·(w·x + b) + B), σ(z) = 1 / (1 + e^(−z)), a Platt-calibrated linear model over
/// x = <see cref="PropensityFeaturizer.Encode"/>(label, features, category). Range: 0 &lt; p &lt; 1.
/// Or the neutral prior (<see cref="Prior"/>): p = 0.5 for every input.
/// Immutable and thread-safe; <see cref="Score"/> does not allocate.
/// </summary>
public sealed class PropensityModel
{
    /// <summary>Version of the neutral prior.</summary>
    public const string PriorVersion = "prior";

    /// <summary>
    /// The neutral prior: uninformative (log-odds 0), so before any outcome data the OSR
    /// (raw = a × p) ranks by standardised affinity alone.
    /// </summary>
    public const double PriorProbability = 0.5;

    /// <summary>Trainer name recorded in the prior's manifest.</summary>
    public const string PriorTrainer = "prior";

    private const int StackLimit = 2048; // floats (8 KB); larger vectors use a pooled array

    private readonly float[] _weights;
    private readonly float _bias;
    private readonly double _plattA;
    private readonly double _plattB;

    private PropensityModel(PropensityManifest manifest, PropensityFeaturizer featurizer, byte[]? mlNetModel)
    {
        Manifest = manifest;
        Featurizer = featurizer;
        MlNetModel = mlNetModel;
        _weights = manifest.Weights;
        _bias = manifest.Bias;
        _plattA = manifest.PlattA;
        _plattB = manifest.PlattB;
        IsPrior = manifest.Version == PriorVersion;
    }

    /// <summary>The neutral prior (version <see cref="PriorVersion"/>, no categories, p = 0.5).</summary>
    public static PropensityModel Prior { get; } = CreatePrior();

    /// <summary>Model version (<see cref="PropensityManifest.Version"/>).</summary>
    public string Version => Manifest.Version;

    /// <summary>True for the neutral prior: <see cref="Score"/> is always <see cref="PriorProbability"/>.</summary>
    public bool IsPrior { get; }

    /// <summary>The encoder of the model's inputs (its category vocabulary is <see cref="PropensityManifest.Categories"/>).</summary>
    public PropensityFeaturizer Featurizer { get; }

    /// <summary>Provenance and parameters.</summary>
    public PropensityManifest Manifest { get; }

    /// <summary>The trained ML.NET model (model.zip bytes), when known; serving never needs it.</summary>
    public byte[]? MlNetModel { get; }

    /// <summary>
    /// A servable model from <paramref name="manifest"/> (e.g. received from another silo);
    /// throws <see cref="ArgumentException"/> when it is inconsistent (wrong kind, weights not of
    /// dimension 45 + 12C, non-finite parameters).
    /// </summary>
    public static PropensityModel FromManifest(PropensityManifest manifest) => Create(manifest, mlNetModel: null);

    /// <summary>
    /// A servable model from <paramref name="manifest"/> with the trained model's bytes
    /// <paramref name="mlNetModel"/> (kept for provenance, never needed to serve); throws
    /// <see cref="ArgumentException"/> as <see cref="FromManifest"/> does.
    /// </summary>
    public static PropensityModel Create(PropensityManifest manifest, byte[]? mlNetModel)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        PropensityFeaturizer featurizer;
        try
        {
            featurizer = new PropensityFeaturizer(manifest.Categories ?? throw new ArgumentException("categories are missing."));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Propensity manifest '{manifest.Version}': {e.Message}", nameof(manifest), e);
        }

        if (Problem(manifest, featurizer.Dimension) is { } problem)
        {
            throw new ArgumentException($"Propensity manifest '{manifest.Version}': {problem}", nameof(manifest));
        }

        return new PropensityModel(manifest, featurizer, mlNetModel);
    }

    /// <summary>p for one input. Does not allocate.</summary>
    public double Score(in PropensityInput input)
    {
        if (IsPrior)
        {
            return PriorProbability;
        }

        var d = Featurizer.Dimension;
        float[]? rented = null;
        var x = d <= StackLimit ? stackalloc float[d] : (rented = ArrayPool<float>.Shared.Rent(d)).AsSpan(0, d);
        try
        {
            return ScoreEncoded(input, x);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>p for each input into <paramref name="destination"/> (at least as long as <paramref name="inputs"/>). Does not allocate.</summary>
    public void ScoreBatch(ReadOnlySpan<PropensityInput> inputs, Span<double> destination)
    {
        if (destination.Length < inputs.Length)
        {
            throw new ArgumentException($"destination needs {inputs.Length} elements, has {destination.Length}.", nameof(destination));
        }

        if (IsPrior)
        {
            destination[..inputs.Length].Fill(PriorProbability);
            return;
        }

        var d = Featurizer.Dimension;
        float[]? rented = null;
        var x = d <= StackLimit ? stackalloc float[d] : (rented = ArrayPool<float>.Shared.Rent(d)).AsSpan(0, d);
        try
        {
            for (var n = 0; n < inputs.Length; n++)
            {
                destination[n] = ScoreEncoded(inputs[n], x);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    private double ScoreEncoded(in PropensityInput input, Span<float> x)
    {
        Featurizer.Encode(input, x);

        // s = w·x + b in single precision, as ML.NET's LinearBinaryModelParameters computes it.
        var s = TensorPrimitives.Dot(x, _weights) + _bias;
        return 1.0 / (1.0 + Math.Exp(-((_plattA * s) + _plattB)));
    }

    /// <summary>Why <paramref name="manifest"/> cannot be served with a vector of <paramref name="dimension"/>, or null.</summary>
    internal static string? Problem(PropensityManifest manifest, int dimension)
    {
        if (manifest.Kind != PropensityManifest.PropensityKind)
        {
            return $"kind '{manifest.Kind}' is not '{PropensityManifest.PropensityKind}'.";
        }

        if (string.IsNullOrWhiteSpace(manifest.Version))
        {
            return "version is empty.";
        }

        if (manifest.Weights is null)
        {
            return "weights are missing.";
        }

        if (manifest.Weights.Length != dimension)
        {
            return $"{manifest.Weights.Length} weights, but {manifest.Categories.Length} categories need {dimension} (45 + 12 × categories).";
        }

        for (var i = 0; i < manifest.Weights.Length; i++)
        {
            if (!float.IsFinite(manifest.Weights[i]))
            {
                return $"weight {i} is {manifest.Weights[i]}, not a finite number.";
            }
        }

        if (!float.IsFinite(manifest.Bias) || !float.IsFinite(manifest.PlattA) || !float.IsFinite(manifest.PlattB))
        {
            return "bias and Platt parameters must be finite numbers.";
        }

        return manifest.Metrics is null ? "metrics are missing." : null;
    }

    private static PropensityModel CreatePrior()
    {
        var featurizer = new PropensityFeaturizer([]);
        var manifest = new PropensityManifest(
            PropensityManifest.PropensityKind,
            PriorVersion,
            DateTimeOffset.UnixEpoch,
            PriorTrainer,
            Examples: 0,
            Positives: 0,
            FromUtcTicks: 0,
            ToUtcTicks: 0,
            Metrics: [],
            Categories: [],
            Weights: new float[featurizer.Dimension],
            Bias: 0,
            PlattA: 1,
            PlattB: 0);
        return new PropensityModel(manifest, featurizer, mlNetModel: null);
    }
}
