namespace Osr.Orleans.Models.Rules;

/// <summary>The rules, in the order they are evaluated (docs/architecture.md "Notification rules").</summary>
public enum RuleName : byte
{
    OptOut,
    QuietHours,
    Threshold,
    GapSimilar,
    CapDay,
    CapWeek,
    Reeligible,
    Staleness,
}

/// <summary>Wire codes of <see cref="RuleName"/> (decision reasons, <c>stats</c> "suppressed" keys).</summary>
public static class RuleNames
{
    /// <summary>Every rule in evaluation order.</summary>
    public static IReadOnlyList<RuleName> All { get; } = Array.AsReadOnly(Enum.GetValues<RuleName>());

    /// <summary>"optout", "quiet", "threshold", "gap.similar", "cap.day", "cap.week", "reeligible", "staleness".</summary>
    public static string Code(this RuleName r) => r switch
    {
        RuleName.OptOut => "optout",
        RuleName.QuietHours => "quiet",
        RuleName.Threshold => "threshold",
        RuleName.GapSimilar => "gap.similar",
        RuleName.CapDay => "cap.day",
        RuleName.CapWeek => "cap.week",
        RuleName.Reeligible => "reeligible",
        RuleName.Staleness => "staleness",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, "unknown rule"),
    };

    /// <summary>The rule of a wire code (exact match); false for anything else.</summary>
    public static bool TryParse(string? code, out RuleName rule)
    {
        foreach (var r in All)
        {
            if (string.Equals(r.Code(), code, StringComparison.Ordinal))
            {
                rule = r;
                return true;
            }
        }

        rule = default;
        return false;
    }
}
