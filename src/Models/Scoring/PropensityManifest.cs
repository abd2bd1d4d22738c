namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// manifest.json of a stored propensity model (System.Text.Json, camelCase) and everything
/// needed to serve it: p = σ(A·(w·x + b) + B) with x = <see cref="PropensityFeaturizer"/> over
/// <paramref name="Categories"/>, w = <paramref name="Weights"/> (length D = 45 + 12C),
/// b = <paramref name="Bias"/>, A = <paramref name="PlattA"/>, B = <paramref name="PlattB"/>.
/// Treat the arrays and the dictionary as immutable.
/// </summary>
/// <param name="Kind">Always <see cref="PropensityKind"/>.</param>
/// <param name="Version">Model version (<see cref="PropensityModel.PriorVersion"/> for the prior).</param>
/// <param name="CreatedAt">When it was trained.</param>
/// <param name="Trainer">Trainer and settings as free text, e.g. <c>ml.net lbfgs-logistic-regression l1=0 l2=1 ips-cap=20</c>.</param>
/// <param name="Examples">Examples the model was trained on (the training split; the held-out count is metric <c>examples.test</c>).</param>
/// <param name="Positives">Accepted examples among <paramref name="Examples"/>.</param>
/// <param name="FromUtcTicks">Decision time of the oldest example (training and held-out), UTC ticks.</param>
/// <param name="ToUtcTicks">Decision time of the newest example, UTC ticks.</param>
/// <param name="Metrics">
/// On the held-out (newest) split: <c>auc</c> (rank AUC), <c>logloss</c> (mean, natural log),
/// <c>baseline.logloss</c> (log-loss of the constant base rate of the held-out split itself — the best
/// constant predictor in hindsight), <c>examples.test</c>, <c>positives.test</c>, <c>auc.mlnet</c> and
/// <c>logloss.mlnet</c> (ML.NET's evaluator on the ML.NET model, cross-check; ML.NET reports log-loss
/// in bits, so logloss.mlnet ≈ logloss / ln 2); on the training split: <c>auc.train</c>;
/// <c>seconds.train</c> (wall time of the ML.NET fit).
/// </param>
/// <param name="Categories">The featurizer's category vocabulary, slot order.</param>
/// <param name="Weights">w, one per slot of the encoded vector.</param>
/// <param name="Bias">b.</param>
/// <param name="PlattA">A (= −Slope of ML.NET's <c>PlattCalibrator</c>, which computes 1 / (1 + exp(Slope·s + Offset))).</param>
/// <param name="PlattB">B (= −Offset of ML.NET's <c>PlattCalibrator</c>).</param>
[GenerateSerializer, Immutable, Alias("osr.propensity-manifest")]
public sealed record PropensityManifest(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Version,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] string Trainer,
    [property: Id(4)] int Examples,
    [property: Id(5)] int Positives,
    [property: Id(6)] long FromUtcTicks,
    [property: Id(7)] long ToUtcTicks,
    [property: Id(8)] Dictionary<string, double> Metrics,
    [property: Id(9)] string[] Categories,
    [property: Id(10)] float[] Weights,
    [property: Id(11)] float Bias,
    [property: Id(12)] float PlattA,
    [property: Id(13)] float PlattB)
{
    /// <summary>The kind of a propensity model.</summary>
    public const string PropensityKind = "propensity";

    /// <summary>Layout version of the model directory this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Layout version of the directory (<see cref="CurrentFormatVersion"/>).</summary>
    [Id(14)] public int FormatVersion { get; init; } = CurrentFormatVersion;
}
