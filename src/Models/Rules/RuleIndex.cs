namespace Osr.Orleans.Models.Rules;

/// <summary>The overrides set at one scope, parsed (null = not set at this scope).</summary>
internal sealed class ScopeOverrides
{
    public double? Threshold;
    public TimeSpan? GapSimilar;
    public int? CapDay;
    public int? CapWeek;
    public TimeOnly? QuietStart;
    public TimeOnly? QuietEnd;
    public TimeSpan? ReeligibleAfter;
    public double? SimilarCosine;
    public TimeSpan? StalenessMax;
    public double? ExploreRate;
    public OptOutState? OptOut;
    public double? AbShare;
    public string? AbModel;
}

/// <summary>
/// A rule set's entries grouped by scope and parsed once, so <see cref="RuleSet.Resolve"/> is a
/// handful of dictionary hits instead of a scan and re-parse of every entry.
/// </summary>
internal sealed class RuleIndex
{
    public static RuleIndex Empty { get; } = new(new Dictionary<RuleScope, ScopeOverrides>());

    private readonly Dictionary<RuleScope, ScopeOverrides> _byScope;

    private RuleIndex(Dictionary<RuleScope, ScopeOverrides> byScope) => _byScope = byScope;

    public int Count => _byScope.Count;

    public IEnumerable<KeyValuePair<RuleScope, ScopeOverrides>> Scopes => _byScope;

    public ScopeOverrides? Get(in RuleScope scope) => _byScope.GetValueOrDefault(scope);

    /// <summary>
    /// Groups and parses <paramref name="entries"/>. An entry that does not validate (possible
    /// only for state written by other code or damaged in storage) is skipped, never thrown on:
    /// its default applies.
    /// </summary>
    public static RuleIndex Build(RuleEntry[]? entries)
    {
        if (entries is null || entries.Length == 0)
        {
            return Empty;
        }

        var byScope = new Dictionary<RuleScope, ScopeOverrides>();
        foreach (var entry in entries)
        {
            if (entry?.Key is null || entry.Value is null || !RuleValidation.TryCheckScope(entry.Key, entry.Scope, out _))
            {
                continue;
            }

            if (!byScope.TryGetValue(entry.Scope, out var overrides))
            {
                overrides = new ScopeOverrides();
                byScope.Add(entry.Scope, overrides);
            }

            _ = RuleValidation.TryInterpret(entry.Key, entry.Scope.Kind, entry.Value, overrides, out _, out _);
        }

        return new RuleIndex(byScope);
    }
}
