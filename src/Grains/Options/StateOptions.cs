using Microsoft.Extensions.Options;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// How user state is checkpointed (section <c>Osr:State</c>): the filters, the activity label
/// and each device's dedupe position (last applied <c>seq</c>), in one write. Readings are applied
/// in memory; the filter state and the last sequence numbers are written to grain storage at
/// most every <see cref="CheckpointInterval"/> and on deactivation. A crashed silo therefore
/// loses at most this interval of filtering (see docs/operations.md).
/// </summary>
public sealed class StateOptions
{
    public const string Section = "Osr:State";

    /// <summary>Range: 100 ms – 5 min. Default 5 s.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far behind a user's filter clock a reading may be and still be applied (it is then
    /// applied at the filter's time). Older readings are counted as out-of-order. Default 5 s.
    /// </summary>
    public TimeSpan ReorderTolerance { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether grains write their checkpoint when the silo shuts down. True for durable
    /// storage; the silo turns it off for in-memory storage, which is gone with the silo
    /// (and whose storage grains are themselves shutting down).
    /// </summary>
    public bool CheckpointOnShutdown { get; set; } = true;

    /// <summary>
    /// Event clock only: how far a reading's ts may lead both its user's event time and the wall clock
    /// (<see cref="Models.Readings.EventClockBound"/>). Set by the silo from <c>Osr:Clock:MaxEventLead</c>, which it validates. Default 7 days.
    /// </summary>
    public TimeSpan MaxEventLead { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many recent readings a user keeps in memory for the console. Default 8.</summary>
    public int RecentReadings { get; set; } = 8;
}

public sealed class StateOptionsValidator : IValidateOptions<StateOptions>
{
    public ValidateOptionsResult Validate(string? name, StateOptions o)
    {
        var errors = new List<string>();
        if (o.CheckpointInterval < TimeSpan.FromMilliseconds(100) || o.CheckpointInterval > TimeSpan.FromMinutes(5))
            errors.Add($"{StateOptions.Section}:CheckpointInterval must be between 100ms and 5m, got {o.CheckpointInterval}");
        if (o.ReorderTolerance < TimeSpan.Zero || o.ReorderTolerance > TimeSpan.FromMinutes(10))
            errors.Add($"{StateOptions.Section}:ReorderTolerance must be between 0 and 10m, got {o.ReorderTolerance}");
        if (o.RecentReadings is < 0 or > 100)
            errors.Add($"{StateOptions.Section}:RecentReadings must be between 0 and 100, got {o.RecentReadings}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
