using Osr.Orleans.Models.Retention;
using Microsoft.Extensions.Options;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// How long the logs keep their rows (section <c>Osr:Retention</c>): interactions (what ALS trains on),
/// decisions (with their feedback) and feedback, each a time span or unset (kept forever, the default).
/// One job in the cluster deletes what is older, every <see cref="Every"/>.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Osr:Retention";

    /// <summary>Interactions older than this are deleted. Unset: kept forever.</summary>
    public TimeSpan? Interactions { get; set; }

    /// <summary>Decisions older than this are deleted with their feedback. Unset: kept forever.</summary>
    public TimeSpan? Decisions { get; set; }

    /// <summary>Feedback older than this is deleted (even when its decision is kept). Unset: kept forever.</summary>
    public TimeSpan? Feedback { get; set; }

    /// <summary>Model versions kept per kind (the newest, always with the active one and its roll-back target). Unset: all kept.</summary>
    public int? ModelVersions { get; set; }

    /// <summary>How often the job runs. Range 1 min – 1 day; default 1 h.</summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether any log or the model versions have a retention (else the job is not scheduled).</summary>
    public bool IsOn => Interactions is not null || Decisions is not null || Feedback is not null || ModelVersions is not null;
}

public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    /// <summary>The shortest retention accepted: a typo such as "00:10" must not empty a log.</summary>
    public static readonly TimeSpan Shortest = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, RetentionOptions o)
    {
        var errors = new List<string>();
        Check(errors, nameof(o.Interactions), o.Interactions);
        Check(errors, nameof(o.Decisions), o.Decisions);
        Check(errors, nameof(o.Feedback), o.Feedback);
        if (o.ModelVersions is { } keep && keep is < ModelVersionRetention.Fewest or > 1000)
            errors.Add($"{RetentionOptions.Section}:ModelVersions must be unset (keep all) or between {ModelVersionRetention.Fewest} and 1000, got {keep}");
        if (o.Every < TimeSpan.FromMinutes(1) || o.Every > TimeSpan.FromDays(1))
            errors.Add($"{RetentionOptions.Section}:Every must be between 1m and 1d, got {o.Every}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(List<string> errors, string key, TimeSpan? keep)
    {
        if (keep is { } k && (k < Shortest || k > TimeSpan.FromDays(36_500)))
            errors.Add($"{RetentionOptions.Section}:{key} must be unset (keep forever) or between 1h and 36500d, got {k}");
    }
}
