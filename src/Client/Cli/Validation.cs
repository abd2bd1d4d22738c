using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Client.Cli;

/// <summary>
/// Validators attached to options and arguments, so that bad values are parse errors (exit 2) reported
/// before any command runs or connects.
/// </summary>
public static class Validation
{
    public static Option<string> MustBeId(this Option<string> option, string what)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !GrainKeys.IsValidId(value)) result.AddError($"{option.Name}: {GrainKeys.InvalidIdMessage(what, value)}");
        });
        return option;
    }

    public static Argument<string> MustBeId(this Argument<string> argument, string what)
    {
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !GrainKeys.IsValidId(value)) result.AddError(GrainKeys.InvalidIdMessage(what, value));
        });
        return argument;
    }

    /// <summary>An argument that must be one of <paramref name="allowed"/> (exact, case-sensitive).</summary>
    public static Argument<string> MustBeOneOf(this Argument<string> argument, string what, params string[] allowed)
    {
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && Array.IndexOf(allowed, value) < 0)
                result.AddError($"{what} '{value}' is not known: use {string.Join(" or ", allowed)}");
        });
        return argument;
    }

    /// <summary>An integer option with a range; a non-number or out-of-range value is a parse error.</summary>
    public static Option<int> IntOption(string name, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
            result.AddError($"{name} must be a whole number from {min} to {max}, not '{text}'");
            return defaultValue;
        },
    };

    /// <summary>An optional positive number option; a non-number, ≤ 0 or above <paramref name="max"/> is a parse error.</summary>
    public static Option<double?> PositiveOption(string name, string description, double max) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0 && value <= max)
                return value;
            result.AddError($"{name} must be a number greater than 0 and at most {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'");
            return null;
        },
    };

    /// <summary>An option whose value is a duration (<c>30s</c>, <c>5m</c>, <c>1h</c>); bad or non-positive values are parse errors.</summary>
    public static Option<TimeSpan?> DurationOption(string name, string description, TimeSpan? min = null, TimeSpan? max = null) => new(name)
    {
        Description = description,
        HelpName = "30s|5m|1h",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (!DurationParser.TryParse(text, out var duration, out var error))
            {
                result.AddError($"{name}: {error}");
                return null;
            }

            if ((min is { } lo && duration < lo) || (max is { } hi && duration > hi))
            {
                result.AddError($"{name} must be between {DurationParser.Format(min ?? TimeSpan.Zero)} and {(max is { } m ? DurationParser.Format(m) : "unbounded")}, not {text}");
                return null;
            }

            return duration;
        },
    };
}
