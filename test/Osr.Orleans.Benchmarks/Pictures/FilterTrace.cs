using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Benchmarks.Pictures;

/// <summary>One reading as the user's state saw it: what came in, and the filtered state and label right after it.</summary>
/// <param name="TimestampUtcTicks">The reading's time.</param>
/// <param name="RawHr">The reading's heart rate (NaN when it carried none).</param>
/// <param name="Hr">Filtered heart rate at the reading's time (NaN while unknown).</param>
/// <param name="HrStd">The HR filter's own standard deviation, bpm.</param>
/// <param name="RawSpeed">The reading's speed, m/s (NaN when it carried none).</param>
/// <param name="Speed">Filtered speed, m/s.</param>
/// <param name="HrOutlier">Whether the HR filter gated the reading's heart rate as an outlier.</param>
/// <param name="Label">The activity label after the reading.</param>
/// <param name="LabelSinceUtcTicks">Since when the label holds (the start of its evidence, <see cref="ActivityTracker.LabelSinceUtcTicks"/>).</param>
public readonly record struct FilterTracePoint(
    long TimestampUtcTicks, double RawHr, double Hr, double HrStd, double RawSpeed, double Speed, bool HrOutlier,
    ActivityLabel Label, long LabelSinceUtcTicks);

/// <summary>A stretch of time under one activity label, [From, To) in UTC ticks.</summary>
public readonly record struct LabelSpan(ActivityLabel Label, long FromUtcTicks, long ToUtcTicks);

/// <summary>
/// Replays readings through the product's per-reading state update (<see cref="UserStateStep"/>, as
/// UserStateGrain applies them, with the device kind's <see cref="SensorNoise"/>) and records what each
/// reading left behind, for the pictures in docs/features.md.
/// </summary>
public static class FilterTrace
{
    /// <summary>The trace of <paramref name="readings"/> (sorted by time first, as the grain does).</summary>
    public static FilterTracePoint[] Replay(IEnumerable<Reading> readings, string deviceKind, UserProfile profile, FilterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(profile);
        var bank = new UserFilterBank(options ?? FilterOptions.Default);
        var tracker = new ActivityTracker();
        var noise = SensorNoiseProfiles.For(deviceKind);
        var trace = new List<FilterTracePoint>();
        foreach (var r in readings.OrderBy(r => r.TimestampUtcTicks))
        {
            var step = UserStateStep.Apply(bank, tracker, in r, in noise, profile);
            if (step.Stale) continue;
            var estimate = step.Estimate;
            trace.Add(new FilterTracePoint(r.TimestampUtcTicks, r.Hr, estimate.Hr, estimate.HrStd, r.Speed, estimate.Speed,
                (step.Filter.Outliers & FilterChannels.Hr) != 0, tracker.Label, tracker.LabelSinceUtcTicks));
        }
        return [.. trace];
    }

    /// <summary>
    /// The trace cut into stretches of one label, dated as the tracker dates them: a label adopted after its dwell
    /// starts where its evidence began, so a span may start before the reading that adopted it. The last span ends at
    /// the last reading; <see cref="ActivityLabel.Unknown"/> stretches are left out.
    /// </summary>
    public static LabelSpan[] LabelSpans(IReadOnlyList<FilterTracePoint> trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var spans = new List<LabelSpan>();
        for (var i = 0; i < trace.Count; i++)
        {
            var label = trace[i].Label;
            if (i > 0 && label == trace[i - 1].Label) continue;
            var from = Math.Max(trace[i].LabelSinceUtcTicks, spans.Count > 0 ? spans[^1].FromUtcTicks : long.MinValue);
            if (spans.Count > 0) spans[^1] = spans[^1] with { ToUtcTicks = from };
            spans.Add(new LabelSpan(label, from, trace[^1].TimestampUtcTicks));
        }
        return [.. spans.Where(s => s.Label != ActivityLabel.Unknown && s.ToUtcTicks > s.FromUtcTicks)];
    }
}
