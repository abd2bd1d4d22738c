using System.Globalization;
using Osr.Orleans.Models.Filtering;

namespace Osr.Orleans.Models.Scoring;

/// <summary>Bounds of the uncertainty gate: a decision is deferred when the filter's own standard deviation exceeds them.</summary>
/// <param name="MaxHrStd">Largest heart-rate σ (bpm) a decision is made on. Range (0, 100].</param>
/// <param name="MaxSpeedStd">Largest speed σ (m/s) a decision is made on. Range (0, 50].</param>
public readonly record struct UncertaintyBounds(double MaxHrStd, double MaxSpeedStd)
{
    public static UncertaintyBounds Default { get; } = new(MaxHrStd: 6, MaxSpeedStd: 1.5);
}

/// <summary>
/// The uncertainty gate (docs/notifications.md "Uncertain states"): a state is too uncertain to
/// act on when no channel that says what the person is doing is known (heart rate, speed,
/// acceleration), or when the heart rate's σ &gt; MaxHrStd — or, without a heart rate, the speed's
/// σ &gt; MaxSpeedStd. σ is the filter's own, which grows across a gap in the readings and stays
/// large while few readings arrived. Speed is secondary where a heart rate is known: a phone
/// indoors loses its GPS fix for long stretches while the watch still says what the person does.
/// Pure; the reason is null when the state is certain enough.
/// </summary>
public static class UncertaintyGate
{
    public static string? Check(in StateEstimate estimate, UncertaintyBounds bounds)
    {
        var hr = double.IsFinite(estimate.Hr);
        var speed = double.IsFinite(estimate.Speed);
        if (!hr && !speed && !double.IsFinite(estimate.Acc)) return "no heart rate, speed or movement known";
        if (hr && !(estimate.HrStd <= bounds.MaxHrStd))
            return string.Create(CultureInfo.InvariantCulture, $"heart rate σ {estimate.HrStd:0.0} bpm > {bounds.MaxHrStd:0.0}");
        if (!hr && speed && !(estimate.SpeedStd <= bounds.MaxSpeedStd))
            return string.Create(CultureInfo.InvariantCulture, $"speed σ {estimate.SpeedStd:0.00} m/s > {bounds.MaxSpeedStd:0.00}");
        return null;
    }
}
