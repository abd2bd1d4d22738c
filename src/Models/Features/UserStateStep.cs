using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Models.Features;

/// <summary>What one reading did to a user's state (<see cref="UserStateStep.Apply"/>).</summary>
/// <param name="Stale">Older than every channel's state: nothing applied, the label not touched.</param>
/// <param name="Filter">The filter bank's result (channels applied, gated as outliers, stale).</param>
/// <param name="Estimate">The estimate at the reading's time, after it (default when stale).</param>
/// <param name="LabelChanged">The activity label changed with this reading.</param>
public readonly record struct StepResult(bool Stale, ApplyResult Filter, StateEstimate Estimate, bool LabelChanged);

/// <summary>
/// The per-reading update of a user's state, in the one order the system uses (UserStateGrain, replays, the pictures
/// in docs/features.md): the reading through the filter bank with its device's noise, the estimate at its time, then
/// the activity tracker. A reading older than every channel it carries is skipped.
/// </summary>
public static class UserStateStep
{
    public static StepResult Apply(UserFilterBank bank, ActivityTracker tracker, in Reading reading, in SensorNoise noise, UserProfile profile)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(tracker);
        var result = bank.Apply(in reading, in noise);
        if (result.Applied == FilterChannels.None && result.Outliers == FilterChannels.None && result.Stale != FilterChannels.None)
            return new StepResult(true, result, default, false);
        var estimate = bank.Estimate(reading.TimestampUtcTicks);
        var changed = tracker.Update(in estimate, profile, reading.TimestampUtcTicks);
        return new StepResult(false, result, estimate, changed);
    }
}
