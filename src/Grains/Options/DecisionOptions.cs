using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// When a user's state is scored and what a decision carries (section <c>Osr:Decisions</c>).
/// A scoring pass runs on a meaningful state change — the activity label changed, or the
/// scaled features moved further than <see cref="FeatureDistance"/> from those of the last
/// pass — or, without a change, once <see cref="MaxInterval"/> has passed since the last pass; and
/// at most once per <see cref="MinInterval"/> per user, measured on the rules' clock (wall, or the
/// user's event time under <c>Osr:Clock=Event</c>). Never per reading.
/// </summary>
public sealed class DecisionOptions
{
    public const string Section = "Osr:Decisions";

    /// <summary>Debounce per user. Range 1 s – 1 day. Default 1 min.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A user whose state has not changed is scored again once this long has passed since the last pass (while readings
    /// arrive), so that the moments a user can be pushed at are spread over time, not only over changes; 0 = only on
    /// changes. Range 0 or MinInterval – 1 day. Default 15 min.
    /// </summary>
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Euclidean distance in the scaled feature space (intensity, hr as a fraction of max, speed/5 m/s,
    /// cadence/180) that counts as a meaningful change without a label change. Range (0, 10]. Default 0.35.
    /// </summary>
    public double FeatureDistance { get; set; } = 0.35;

    /// <summary>ALS candidates scored per pass. Range 1–100. Default 10.</summary>
    public int Candidates { get; set; } = 10;

    /// <summary>Decisions kept per user for the console and feedback joins. Range 1–1000. Default 50.</summary>
    public int History { get; set; } = 50;

    /// <summary>Pushes (with item factors) kept per user for gaps and caps. Range 1–1000. Default 40.</summary>
    public int SentHistory { get; set; } = 40;

    /// <summary>Time to live of a push: expiresAt = state time + Ttl (bound from <c>Osr:Push:Ttl</c>). Default 15 min.</summary>
    public TimeSpan PushTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The rules' clock (set by the silo from <c>Osr:Clock</c>).</summary>
    public ClockMode ClockMode { get; set; } = ClockMode.Wall;

    /// <summary>Whether scoring runs at all (benchmarks of the bare ingest path turn it off). Default true.</summary>
    public bool Enabled { get; set; } = true;
}

public sealed class DecisionOptionsValidator : IValidateOptions<DecisionOptions>
{
    public ValidateOptionsResult Validate(string? name, DecisionOptions o)
    {
        var errors = new List<string>();
        if (o.MinInterval < TimeSpan.FromSeconds(1) || o.MinInterval > TimeSpan.FromDays(1))
            errors.Add($"{DecisionOptions.Section}:MinInterval must be between 1s and 1d, got {o.MinInterval}");
        if (o.MaxInterval != TimeSpan.Zero && (o.MaxInterval < o.MinInterval || o.MaxInterval > TimeSpan.FromDays(1)))
            errors.Add($"{DecisionOptions.Section}:MaxInterval must be 0 or between MinInterval ({o.MinInterval}) and 1d, got {o.MaxInterval}");
        if (!(o.FeatureDistance > 0 && o.FeatureDistance <= 10))
            errors.Add($"{DecisionOptions.Section}:FeatureDistance must be in (0, 10], got {o.FeatureDistance}");
        if (o.Candidates is < 1 or > 100)
            errors.Add($"{DecisionOptions.Section}:Candidates must be between 1 and 100, got {o.Candidates}");
        if (o.History is < 1 or > 1000)
            errors.Add($"{DecisionOptions.Section}:History must be between 1 and 1000, got {o.History}");
        if (o.SentHistory is < 1 or > 1000)
            errors.Add($"{DecisionOptions.Section}:SentHistory must be between 1 and 1000, got {o.SentHistory}");
        if (o.PushTtl <= TimeSpan.Zero || o.PushTtl > TimeSpan.FromDays(1))
            errors.Add($"Osr:Push:Ttl must be in (0, 1d], got {o.PushTtl}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
