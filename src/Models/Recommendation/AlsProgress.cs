namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Reported after each ALS iteration: <paramref name="Iteration"/> (1-based) of
/// <paramref name="Iterations"/>, the loss L after it (NaN when
/// <see cref="AlsOptions.ComputeLoss"/> is off), seconds since training started and seconds this
/// iteration took.
/// </summary>
public readonly record struct AlsProgress(int Iteration, int Iterations, double Loss, double Seconds, double IterationSeconds);
