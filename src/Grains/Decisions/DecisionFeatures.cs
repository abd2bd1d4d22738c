using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Grains.Decisions;

/// <summary>Conversions between the wire forms of a state (label name, feature array) and the model types.</summary>
public static class DecisionFeatures
{
    public static ActivityLabel ParseLabel(string? name)
    {
        foreach (var label in Enum.GetValues<ActivityLabel>())
            if (label.Name() == name) return label;
        return ActivityLabel.Unknown;
    }

    /// <summary>A <see cref="FeatureVector"/> from its array form; missing or non-finite entries are NaN (unknown).</summary>
    public static FeatureVector ToVector(double[]? values)
    {
        double At(int i) => values is not null && i < values.Length && double.IsFinite(values[i]) ? values[i] : double.NaN;
        return new FeatureVector(At(0), At(1), At(2), At(3), At(4), At(5), At(6), At(7), At(8), At(9), At(10), At(11), At(12));
    }

    public static double[] ToArray(in FeatureVector features)
    {
        var result = new double[FeatureVector.Count];
        for (var i = 0; i < result.Length; i++) result[i] = features[i];
        return result;
    }

    /// <summary>
    /// The point in which "a meaningful change" is measured: intensity, hr as a fraction of max
    /// (or of 200 bpm without an age), speed / 5 m/s, cadence / 180 steps/min; unknown = 0.
    /// </summary>
    public static (double, double, double, double) ChangePoint(in FeatureVector f)
    {
        static double Or0(double v) => double.IsFinite(v) ? v : 0;
        var hr = double.IsFinite(f.HrPctMax) ? f.HrPctMax : Or0(f.Hr) / 200;
        return (Or0(f.Intensity), hr, Or0(f.Speed) / 5, Or0(f.Cadence) / 180);
    }

    public static double Distance((double, double, double, double) a, (double, double, double, double) b)
    {
        var d0 = a.Item1 - b.Item1;
        var d1 = a.Item2 - b.Item2;
        var d2 = a.Item3 - b.Item3;
        var d3 = a.Item4 - b.Item4;
        return Math.Sqrt(d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3);
    }
}
