namespace Osr.Orleans.Models.Rules;

/// <summary>Which scopes a key may be set at, and how each key's value is read and normalised.</summary>
internal static class RuleValidation
{
    /// <summary>Longest value text accepted (a model version is the longest legitimate one).</summary>
    public const int MaxValueLength = 128;

    /// <summary>Longest A/B model version accepted.</summary>
    public const int MaxModelVersionLength = 64;

    /// <summary>The canonical key for <paramref name="key"/> (trimmed, lower case), or an error listing the known keys.</summary>
    public static bool TryCanonicalKey(string? key, out string canonical, out string error)
    {
        canonical = string.Empty;
        var trimmed = key?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            error = $"rule key is empty; known: {string.Join(", ", RuleKeys.All)}";
            return false;
        }

        var lower = trimmed.Length <= 32 ? trimmed.ToLowerInvariant() : trimmed;
        int index = RuleKeys.IndexOf(lower);
        if (index < 0)
        {
            error = $"unknown rule key {RuleValues.Quote(key)}; known: {string.Join(", ", RuleKeys.All)}";
            return false;
        }

        canonical = RuleKeys.All[index];
        error = string.Empty;
        return true;
    }

    /// <summary>Whether <paramref name="key"/> (canonical) may be set at <paramref name="scope"/>, which must also be well formed.</summary>
    public static bool TryCheckScope(string key, in RuleScope scope, out string error)
    {
        if (!scope.IsWellFormed(out error))
        {
            return false;
        }

        switch (key)
        {
            case RuleKeys.OptOut:
                if (scope.Kind is not (RuleScopeKind.User or RuleScopeKind.UserCategory))
                {
                    error = "optout applies to --user (with optional --category) only";
                    return false;
                }

                break;
            case RuleKeys.AbShare or RuleKeys.AbModel:
                if (scope.Kind is not RuleScopeKind.Global)
                {
                    error = $"{key} is global only";
                    return false;
                }

                break;
            default:
                if (scope.Kind is RuleScopeKind.UserCategory)
                {
                    error = $"{key} cannot be set for a user+category; use --user, --item, --category, --segment, --user with --item, or none (global)";
                    return false;
                }

                break;
        }

        return true;
    }

    /// <summary>
    /// Reads <paramref name="text"/> as a value of <paramref name="key"/> (canonical) at a scope
    /// of <paramref name="kind"/>. <paramref name="normalised"/> is the text to store, or null
    /// when the value removes the override ("default", "unset"; "none" for optout/ab.model;
    /// "off" for a category opt-out). The parsed value is written to <paramref name="target"/>
    /// (a scratch instance when only validating).
    /// </summary>
    public static bool TryInterpret(string key, RuleScopeKind kind, string? text, ScopeOverrides target, out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        if (text is null)
        {
            error = $"{key}: value is missing";
            return false;
        }

        if (text.Length > MaxValueLength)
        {
            error = $"{key}: value is too long ({text.Length} characters, at most {MaxValueLength})";
            return false;
        }

        var trimmed = text.Trim();
        var word = trimmed.ToLowerInvariant();
        if (trimmed.Length == 0)
        {
            error = $"{key}: value is empty (use \"default\" to remove an override)";
            return false;
        }

        if (word is "default" or "unset")
        {
            return true;
        }

        switch (key)
        {
            case RuleKeys.Threshold:
                return Unit(key, 0, 1, text, ref target.Threshold, out normalised, out error);
            case RuleKeys.SimilarCosine:
                return Unit(key, -1, 1, text, ref target.SimilarCosine, out normalised, out error);
            case RuleKeys.ExploreRate:
                return Unit(key, 0, 1, text, ref target.ExploreRate, out normalised, out error);
            case RuleKeys.AbShare:
                return Unit(key, 0, 1, text, ref target.AbShare, out normalised, out error);
            case RuleKeys.CapDay:
                return Count(key, text, ref target.CapDay, out normalised, out error);
            case RuleKeys.CapWeek:
                return Count(key, text, ref target.CapWeek, out normalised, out error);
            case RuleKeys.GapSimilar:
                return Duration(key, text, false, ref target.GapSimilar, out normalised, out error);
            case RuleKeys.ReeligibleAfter:
                return Duration(key, text, false, ref target.ReeligibleAfter, out normalised, out error);
            case RuleKeys.StalenessMax:
                return Duration(key, text, true, ref target.StalenessMax, out normalised, out error);
            case RuleKeys.QuietStart:
                return Time(key, text, ref target.QuietStart, out normalised, out error);
            case RuleKeys.QuietEnd:
                return Time(key, text, ref target.QuietEnd, out normalised, out error);
            case RuleKeys.OptOut:
                return kind == RuleScopeKind.UserCategory
                    ? CategoryOptOut(word, text, target, out normalised, out error)
                    : UserOptOut(word, text, target, out normalised, out error);
            case RuleKeys.AbModel:
                return Model(trimmed, word, text, target, out normalised, out error);
            default:
                error = $"unknown rule key {RuleValues.Quote(key)}; known: {string.Join(", ", RuleKeys.All)}";
                return false;
        }
    }

    private static bool Unit(string key, double min, double max, string text, ref double? slot, out string? normalised, out string error)
    {
        if (!RuleValues.TryParseNumber(text, min, max, out var value))
        {
            normalised = null;
            error = $"{key} must be in [{RuleValues.FormatNumber(min)}, {RuleValues.FormatNumber(max)}], got {RuleValues.Quote(text)}";
            return false;
        }

        slot = value;
        normalised = RuleValues.FormatNumber(value);
        error = string.Empty;
        return true;
    }

    private static bool Count(string key, string text, ref int? slot, out string? normalised, out string error)
    {
        if (!RuleValues.TryParseCount(text, out var value))
        {
            normalised = null;
            error = $"{key} must be a whole number ≥ 0, got {RuleValues.Quote(text)}";
            return false;
        }

        slot = value;
        normalised = RuleValues.FormatInt(value);
        error = string.Empty;
        return true;
    }

    private static bool Duration(string key, string text, bool positive, ref TimeSpan? slot, out string? normalised, out string error)
    {
        normalised = null;
        if (!RuleValues.TryParseDuration(text, out var value))
        {
            error = $"{key}: {RuleValues.Quote(text)} is not a duration (use 6h, 30m, 90s, 2d)";
            return false;
        }

        if (positive && value <= TimeSpan.Zero)
        {
            error = $"{key} must be > 0, got {RuleValues.Quote(text)}";
            return false;
        }

        slot = value;
        normalised = RuleValues.FormatDuration(value);
        error = string.Empty;
        return true;
    }

    private static bool Time(string key, string text, ref TimeOnly? slot, out string? normalised, out string error)
    {
        if (!RuleValues.TryParseTime(text, out var value))
        {
            normalised = null;
            error = $"{key}: {RuleValues.Quote(text)} is not a time of day (use HH:mm, e.g. 22:00)";
            return false;
        }

        slot = value;
        normalised = RuleValues.FormatTime(value);
        error = string.Empty;
        return true;
    }

    private static bool UserOptOut(string word, string text, ScopeOverrides target, out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        if (word == "none")
        {
            return true;
        }

        bool all = false, mqtt = false, webhook = false;
        foreach (var part in word.Split(','))
        {
            switch (part.Trim())
            {
                case "all": all = true; break;
                case "mqtt": mqtt = true; break;
                case "webhook": webhook = true; break;
                default:
                    error = $"optout for a user must be all, mqtt, webhook (or mqtt,webhook) or none, got {RuleValues.Quote(text)}";
                    return false;
            }
        }

        var state = all ? new OptOutState(true, false, false, false) : new OptOutState(false, mqtt, webhook, false);
        target.OptOut = state;
        normalised = state.UserValue;
        return true;
    }

    private static bool CategoryOptOut(string word, string text, ScopeOverrides target, out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        switch (word)
        {
            case "on" or "true":
                target.OptOut = new OptOutState(false, false, false, true);
                normalised = "on";
                return true;
            case "off" or "false":
                return true;
            default:
                error = $"optout for a user and category must be on or off, got {RuleValues.Quote(text)}";
                return false;
        }
    }

    private static bool Model(string trimmed, string word, string text, ScopeOverrides target, out string? normalised, out string error)
    {
        normalised = null;
        error = string.Empty;
        if (word == "none")
        {
            return true;
        }

        if (trimmed.Length > MaxModelVersionLength || !trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '+'))
        {
            error = $"ab.model must be a model version (ASCII letters, digits, . _ - : +; at most {MaxModelVersionLength}) or none, got {RuleValues.Quote(text)}";
            return false;
        }

        target.AbModel = trimmed;
        normalised = trimmed;
        return true;
    }
}
