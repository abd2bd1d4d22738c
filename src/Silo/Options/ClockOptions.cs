using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Silo.Options;

/// <summary>
/// The clock (docs/contract.md "Clock"): <c>Osr:Clock</c> = <c>Wall</c> (default) or <c>Event</c>,
/// or equivalently <c>Osr:Clock:Mode</c>; <c>Osr:Clock:MaxLateness</c> (default 10 min) and
/// <c>Osr:Clock:MaxSkew</c> (default 30 s) bound a reading's timestamp in wall mode.
/// </summary>
public sealed class ClockOptions
{
    public const string Section = "Osr:Clock";

    public ClockMode Mode { get; set; } = ClockMode.Wall;
    public TimeSpan MaxLateness { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan MaxSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Event mode: how far a reading may lead its user's event time and the wall clock. Default 7 days.</summary>
    public TimeSpan MaxEventLead { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Binds the section, accepting the mode both as the section's value and as <c>Mode</c>.</summary>
    public static void Bind(ClockOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        section.Bind(options);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.Mode = Enum.TryParse<ClockMode>(section.Value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
                ? mode
                : throw new OptionsValidationException(Section, typeof(ClockOptions),
                    [$"{Section} must be Wall or Event, got '{section.Value}'"]);
        }
    }

    public ReadingValidationOptions ToValidationOptions(int maxPayloadBytes) => new()
    {
        Mode = Mode,
        MaxLateness = MaxLateness,
        MaxSkew = MaxSkew,
        MaxPayloadBytes = maxPayloadBytes,
    };
}

public sealed class ClockOptionsValidator : IValidateOptions<ClockOptions>
{
    public ValidateOptionsResult Validate(string? name, ClockOptions o)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(o.Mode)) errors.Add($"{ClockOptions.Section}:Mode must be Wall or Event");
        if (o.MaxLateness <= TimeSpan.Zero || o.MaxLateness > TimeSpan.FromDays(7))
            errors.Add($"{ClockOptions.Section}:MaxLateness must be in (0, 7 days], got {o.MaxLateness}");
        if (o.MaxSkew < TimeSpan.Zero || o.MaxSkew > TimeSpan.FromHours(1))
            errors.Add($"{ClockOptions.Section}:MaxSkew must be in [0, 1 h], got {o.MaxSkew}");
        if (o.MaxEventLead < TimeSpan.FromMinutes(1) || o.MaxEventLead > TimeSpan.FromDays(3650))
            errors.Add($"{ClockOptions.Section}:MaxEventLead must be in [1 min, 3650 days], got {o.MaxEventLead}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
