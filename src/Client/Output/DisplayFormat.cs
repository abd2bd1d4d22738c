using System.Globalization;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Client.Output;

/// <summary>How the console shows numbers and ages in tables and a training job's progress (commands, the live views and the demo alike).</summary>
internal static class DisplayFormat
{
    /// <summary>The value in <paramref name="format"/> (invariant culture), or "—" when unknown or not finite.</summary>
    public static string Num(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    /// <summary>A short age: <c>42s</c>, <c>5m07s</c>, <c>3h12m</c> (negative counts as 0).</summary>
    public static string Ago(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalMinutes < 1) return $"{d.TotalSeconds:0}s";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return $"{(int)d.TotalHours}h{d.Minutes:00}m";
    }

    /// <summary>A training job's progress in a few words: <c>iteration 3/10, loss 0.12345, …</c>, or <c>starting</c>.</summary>
    public static string Progress(TrainingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var parts = new List<string>(3);
        if (job.Iterations > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"iteration {job.Iteration}/{job.Iterations}"));
        if (job.Loss is { } loss && double.IsFinite(loss)) parts.Add("loss " + loss.ToString("G5", CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(job.Message)) parts.Add(job.Message);
        return parts.Count == 0 ? "starting" : string.Join(", ", parts);
    }
}
