namespace Osr.Orleans.Models.Features;

/// <summary>
/// Checkpoint of an <see cref="ActivityTracker"/> (<see cref="ActivityTracker.Snapshot"/> /
/// <see cref="ActivityTracker.Restore"/>), persisted inside the user's grain state.
/// Primitives only; new fields go at the end with the next <c>Id</c>.
/// </summary>
[GenerateSerializer, Alias("osr.activity-state")]
public sealed record class ActivityTrackerState
{
    /// <summary>The adopted label, as the <see cref="ActivityLabel"/> byte value.</summary>
    [Id(0)] public byte Label { get; init; }

    /// <summary>When the adopted label's evidence began, UTC ticks (0 while Unknown).</summary>
    [Id(1)] public long LabelSinceUtcTicks { get; init; }

    /// <summary>The candidate label waiting out its dwell (0 = none).</summary>
    [Id(2)] public byte PendingLabel { get; init; }

    /// <summary>When the pending candidate was first seen, UTC ticks.</summary>
    [Id(3)] public long PendingSinceUtcTicks { get; init; }

    /// <summary>When the last workout ended, UTC ticks; 0 when no workout has been seen.</summary>
    [Id(4)] public long LastWorkoutEndUtcTicks { get; init; }

    /// <summary>Time of the last update that carried data, UTC ticks.</summary>
    [Id(5)] public long LastUpdateUtcTicks { get; init; }
}
