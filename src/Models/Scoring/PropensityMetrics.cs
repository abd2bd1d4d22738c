namespace Osr.Orleans.Models.Scoring;

/// <summary>Plain metrics of a propensity model's predictions: ranking (AUC) and calibration (log-loss).</summary>
public static class PropensityMetrics
{
    /// <summary>
    /// Area under the ROC curve by ranks (Mann–Whitney U): AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊·n₋),
    /// R₊ the sum of the positives' ranks among all scores (ascending, tied scores get their
    /// average rank, so a tie counts ½). Range: 0…1; NaN when either class is absent.
    /// </summary>
    public static double AucOf(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"{scores.Length} scores but {labels.Length} labels.", nameof(labels));
        }

        var n = scores.Length;
        var keys = scores.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        double positives = 0;
        double rankSum = 0;
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end].Equals(keys[start]))
            {
                end++;
            }

            var averageRank = (start + end + 1) / 2.0; // ranks start+1 … end
            for (var j = start; j < end; j++)
            {
                if (labels[order[j]])
                {
                    positives++;
                    rankSum += averageRank;
                }
            }

            start = end;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    /// <summary>
    /// Mean log-loss −(1/n) Σ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)], natural log, pᵢ clipped to
    /// [1e-15, 1 − 1e-15]. Range: ≥ 0; NaN for no examples.
    /// </summary>
    public static double LogLossOf(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        if (probabilities.Length != labels.Length)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities but {labels.Length} labels.", nameof(labels));
        }

        if (probabilities.Length == 0)
        {
            return double.NaN;
        }

        const double Epsilon = 1e-15;
        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = Math.Clamp(probabilities[i], Epsilon, 1 - Epsilon);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / probabilities.Length;
    }
}
