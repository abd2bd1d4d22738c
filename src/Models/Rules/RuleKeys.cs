namespace Osr.Orleans.Models.Rules;

/// <summary>
/// The rule keys admins tune (docs/contract.md "Rule keys"; <c>osr-admin rules set KEY VALUE</c>).
/// Each comment gives the value's form and its default.
/// </summary>
public static class RuleKeys
{
    /// <summary>OSR threshold, a number in [0, 1]; default 0.75.</summary>
    public const string Threshold = "osr.threshold";

    /// <summary>Minimum gap since the last push of a similar item, a duration; default 6h.</summary>
    public const string GapSimilar = "gap.similar";

    /// <summary>Pushes per local calendar day, a whole number ≥ 0; default 3.</summary>
    public const string CapDay = "cap.day";

    /// <summary>Pushes per local ISO week, a whole number ≥ 0; default 10.</summary>
    public const string CapWeek = "cap.week";

    /// <summary>Start of quiet hours, HH:mm local; default 22:00.</summary>
    public const string QuietStart = "quiet.start";

    /// <summary>End of quiet hours (exclusive), HH:mm local; default 07:00.</summary>
    public const string QuietEnd = "quiet.end";

    /// <summary>Window in which the same item is not pushed again, a duration; default 72h.</summary>
    public const string ReeligibleAfter = "reeligible.after";

    /// <summary>Item-factor cosine from which two items count as similar, in [-1, 1]; default 0.8.</summary>
    public const string SimilarCosine = "similar.cosine";

    /// <summary>Maximum age of the scored state, a duration &gt; 0; default 5m.</summary>
    public const string StalenessMax = "staleness.max";

    /// <summary>Share of below-threshold candidates sent anyway for exploration, in [0, 1]; default 0.05.</summary>
    public const string ExploreRate = "explore.rate";

    /// <summary>
    /// Opt-out. At user scope: <c>all</c>, <c>mqtt</c>, <c>webhook</c> (or <c>mqtt,webhook</c>),
    /// <c>none</c> clears. At user+category scope: <c>on</c> / <c>off</c> (<c>true</c> / <c>false</c> accepted).
    /// </summary>
    public const string OptOut = "optout";

    /// <summary>Share of users in A/B arm "b", in [0, 1], global only; default 0.</summary>
    public const string AbShare = "ab.share";

    /// <summary>Propensity model version for arm "b", or <c>none</c> (default), global only.</summary>
    public const string AbModel = "ab.model";

    /// <summary>Every key, in the order <c>rules show</c> lists them.</summary>
    public static IReadOnlyList<string> All { get; } = Array.AsReadOnly(
    [
        Threshold, GapSimilar, CapDay, CapWeek, QuietStart, QuietEnd, ReeligibleAfter,
        SimilarCosine, StalenessMax, ExploreRate, OptOut, AbShare, AbModel,
    ]);

    /// <summary>True for one of <see cref="All"/> (exact, lower case).</summary>
    public static bool IsKnown(string? key) => key is not null && IndexOf(key) >= 0;

    /// <summary>
    /// The default of a key in its normalised text form (<c>0.75</c>, <c>6h</c>, <c>22:00</c>;
    /// <c>none</c> for <see cref="OptOut"/> and <see cref="AbModel"/>); null for an unknown key.
    /// </summary>
    public static string? DefaultValueOf(string key) => key switch
    {
        Threshold => RuleValues.FormatNumber(EffectiveRules.Defaults.Threshold),
        GapSimilar => RuleValues.FormatDuration(EffectiveRules.Defaults.GapSimilar),
        CapDay => RuleValues.FormatInt(EffectiveRules.Defaults.CapDay),
        CapWeek => RuleValues.FormatInt(EffectiveRules.Defaults.CapWeek),
        QuietStart => RuleValues.FormatTime(EffectiveRules.Defaults.QuietStart),
        QuietEnd => RuleValues.FormatTime(EffectiveRules.Defaults.QuietEnd),
        ReeligibleAfter => RuleValues.FormatDuration(EffectiveRules.Defaults.ReeligibleAfter),
        SimilarCosine => RuleValues.FormatNumber(EffectiveRules.Defaults.SimilarCosine),
        StalenessMax => RuleValues.FormatDuration(EffectiveRules.Defaults.StalenessMax),
        ExploreRate => RuleValues.FormatNumber(EffectiveRules.Defaults.ExploreRate),
        OptOut => "none",
        AbShare => "0",
        AbModel => "none",
        _ => null,
    };

    /// <summary>Position of <paramref name="key"/> in <see cref="All"/>, or −1.</summary>
    internal static int IndexOf(string key)
    {
        var all = All;
        for (int i = 0; i < all.Count; i++)
        {
            if (string.Equals(all[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
