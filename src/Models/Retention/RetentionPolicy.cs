namespace Osr.Orleans.Models.Retention;

/// <summary>The times before which each log's rows are deleted; <see cref="long.MinValue"/> keeps every row.</summary>
public readonly record struct RetentionCutoffs(long InteractionsUtcTicks, long DecisionsUtcTicks, long FeedbackUtcTicks)
{
    public static RetentionCutoffs KeepAll { get; } = new(long.MinValue, long.MinValue, long.MinValue);
}

/// <summary>How long each log keeps its rows (null = forever), and the cutoffs that follows at a given time.</summary>
public static class RetentionPolicy
{
    /// <summary>
    /// The cutoff of each log at <paramref name="now"/>: rows older than now − keep go. A keep of null keeps
    /// everything; a keep longer than the time since 0001-01-01 cannot cut anything either.
    /// </summary>
    public static RetentionCutoffs Cutoffs(DateTimeOffset now, TimeSpan? interactions, TimeSpan? decisions, TimeSpan? feedback) =>
        new(Cutoff(now, interactions), Cutoff(now, decisions), Cutoff(now, feedback));

    /// <summary>now − <paramref name="keep"/> in UTC ticks, or <see cref="long.MinValue"/> when nothing is cut.</summary>
    public static long Cutoff(DateTimeOffset now, TimeSpan? keep) =>
        keep is { } k && k > TimeSpan.Zero && k.Ticks < now.UtcTicks ? now.UtcTicks - k.Ticks : long.MinValue;
}
