using System.Text;

namespace Osr.Orleans.Models.Rules;

/// <summary>
/// Immutable, versioned rule set. <see cref="Entries"/> are the admin's overrides (sorted by key,
/// then scope); defaults (<see cref="EffectiveRules.Defaults"/>) apply where none is set.
/// Equality is by value: version, change time and the entries in order.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.rule-set")]
public sealed record RuleSet(
    [property: Id(0)] long Version,
    [property: Id(1)] RuleEntry[] Entries,
    [property: Id(2)] DateTimeOffset ChangedAt)
{
    /// <summary>Parsed entries, built on first use (not serialized; a deserialized or <c>with</c>-copied set rebuilds it).</summary>
    [NonSerialized]
    private RuleIndex? _index;

    private RuleSet(RuleSet original)
    {
        Version = original.Version;
        Entries = original.Entries;
        ChangedAt = original.ChangedAt;
    }

    /// <summary>Version 0, no entries.</summary>
    public static RuleSet Defaults { get; } = new(0, [], DateTimeOffset.MinValue);

    /// <summary>The propensity model version of A/B arm "b" (<see cref="RuleKeys.AbModel"/>), null when none.</summary>
    public string? ArmBModel => Index.Get(RuleScope.Global)?.AbModel;

    /// <summary>True when an administrator set <c>osr.threshold</c> globally (then no learned threshold applies).</summary>
    public bool HasGlobalThreshold => Index.Get(RuleScope.Global)?.Threshold is not null;

    /// <summary>The share of users in arm "b" (<see cref="RuleKeys.AbShare"/>), 0 by default.</summary>
    public double ArmBShare => Index.Get(RuleScope.Global)?.AbShare ?? 0;

    private RuleIndex Index
    {
        get
        {
            var index = Volatile.Read(ref _index);
            if (index is null)
            {
                index = RuleIndex.Build(Entries);
                index = Interlocked.CompareExchange(ref _index, index, null) ?? index;
            }

            return index;
        }
    }

    /// <summary>
    /// Validates and applies one change. Value "default" (or "unset") removes the override at that
    /// scope. On any error returns false, <paramref name="next"/> = this and a one-line error;
    /// nothing is half applied. On success <c>next.Version = Version + 1</c>, <c>ChangedAt = now</c>.
    /// </summary>
    public bool TryApply(string key, RuleScope scope, string value, DateTimeOffset now, out RuleSet next, out string error)
    {
        next = this;
        if (!RuleValidation.TryCanonicalKey(key, out var canonical, out error)
            || !RuleValidation.TryCheckScope(canonical, scope, out error)
            || !RuleValidation.TryInterpret(canonical, scope.Kind, value, new ScopeOverrides(), out var normalised, out error))
        {
            return false;
        }

        if (Version == long.MaxValue)
        {
            error = "the rule set version is exhausted";
            return false;
        }

        var current = Entries ?? [];
        var entries = new List<RuleEntry>(current.Length + 1);
        foreach (var entry in current)
        {
            if (entry is not null && !(entry.Key == canonical && entry.Scope == scope))
            {
                entries.Add(entry);
            }
        }

        if (normalised is not null)
        {
            entries.Add(new RuleEntry(canonical, scope, normalised));
        }

        entries.Sort(CompareEntries);
        var array = entries.ToArray();
        var index = RuleIndex.Build(array);
        if (canonical is RuleKeys.QuietStart or RuleKeys.QuietEnd && !QuietHoursDiffer(index, scope, out error))
        {
            return false;
        }

        next = new RuleSet(Version + 1, array, now) { _index = index };
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// The rules in force for one (user, item) pair, each key resolved most-specific-first:
    /// user+item &gt; user &gt; item &gt; category &gt; segment &gt; global override &gt; default.
    /// Opt-out comes from the user scope (all / channels) and the user+category scope (category).
    /// </summary>
    public EffectiveRules Resolve(string userId, string? segment, string itemId, string category)
    {
        var index = Index;
        if (index.Count == 0)
        {
            return EffectiveRules.Defaults;
        }

        // Least specific first, each level overwriting what it sets.
        var rules = Apply(EffectiveRules.Defaults, index.Get(RuleScope.Global), RuleScopeKind.Global);
        if (!string.IsNullOrEmpty(segment))
        {
            rules = Apply(rules, index.Get(RuleScope.ForSegment(segment)), RuleScopeKind.Segment);
        }

        if (!string.IsNullOrEmpty(category))
        {
            rules = Apply(rules, index.Get(RuleScope.ForCategory(category)), RuleScopeKind.Category);
        }

        if (!string.IsNullOrEmpty(itemId))
        {
            rules = Apply(rules, index.Get(RuleScope.ForItem(itemId)), RuleScopeKind.Item);
        }

        if (!string.IsNullOrEmpty(userId))
        {
            rules = Apply(rules, index.Get(RuleScope.ForUser(userId)), RuleScopeKind.User);
            if (!string.IsNullOrEmpty(itemId))
            {
                rules = Apply(rules, index.Get(RuleScope.ForUserItem(userId, itemId)), RuleScopeKind.UserItem);
            }

            bool categoryOptOut = !string.IsNullOrEmpty(category)
                && index.Get(RuleScope.ForUserCategory(userId, category))?.OptOut is { Category: true };
            rules = rules with { OptOut = UserOptOut(index, userId) with { Category = categoryOptOut } };
        }

        return rules;
    }

    /// <summary>
    /// The opt-out state of a user without an item: all and channels. <see cref="OptOutState.Category"/>
    /// is false here (it depends on the item's category; see <see cref="OptOutOf(string, string)"/>).
    /// </summary>
    public OptOutState OptOutOf(string userId) =>
        string.IsNullOrEmpty(userId) ? default : UserOptOut(Index, userId);

    /// <summary>The opt-out state of a user for items of one category.</summary>
    public OptOutState OptOutOf(string userId, string category)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return default;
        }

        var index = Index;
        bool categoryOptOut = !string.IsNullOrEmpty(category)
            && index.Get(RuleScope.ForUserCategory(userId, category))?.OptOut is { Category: true };
        return UserOptOut(index, userId) with { Category = categoryOptOut };
    }

    /// <summary>
    /// Arm of a user: "b" when <see cref="StableHash"/>(userId) &lt; ab.share and ab.model is set,
    /// else "a". Stable across processes and machines.
    /// </summary>
    public string ArmOf(string userId)
    {
        var global = Index.Get(RuleScope.Global);
        return global is { AbModel: not null, AbShare: { } share } && StableHash(userId ?? string.Empty) < share ? "b" : "a";
    }

    /// <summary>
    /// A user id mapped uniformly to [0, 1), the same in every process: u = ⌊h / 2¹¹⌋ · 2⁻⁵³ with
    /// h = fmix64(FNV-1a-64(UTF-8 bytes)); the MurmurHash3 finaliser spreads FNV's weak high bits
    /// so that sequential ids ("u-1", "u-2", …) land uniformly.
    /// </summary>
    public static double StableHash(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        const ulong Offset = 14695981039346656037UL;
        const ulong Prime = 1099511628211UL;
        int max = Encoding.UTF8.GetMaxByteCount(userId.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        int length = Encoding.UTF8.GetBytes(userId, buffer);
        ulong h = Offset;
        foreach (var b in buffer[..length])
        {
            h = (h ^ b) * Prime;
        }

        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    public bool Equals(RuleSet? other) =>
        other is not null
        && Version == other.Version
        && ChangedAt == other.ChangedAt
        && (ReferenceEquals(Entries, other.Entries) || (Entries ?? []).AsSpan().SequenceEqual(other.Entries ?? []));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Version);
        hash.Add(ChangedAt);
        foreach (var entry in Entries ?? [])
        {
            hash.Add(entry);
        }

        return hash.ToHashCode();
    }

    private static OptOutState UserOptOut(RuleIndex index, string userId) =>
        index.Get(RuleScope.ForUser(userId))?.OptOut is { } state ? state with { Category = false } : default;

    private static EffectiveRules Apply(in EffectiveRules rules, ScopeOverrides? o, RuleScopeKind kind) =>
        o is null
            ? rules
            : rules with
            {
                Threshold = o.Threshold ?? rules.Threshold,
                ThresholdFrom = o.Threshold is null ? rules.ThresholdFrom : kind,
                GapSimilar = o.GapSimilar ?? rules.GapSimilar,
                CapDay = o.CapDay ?? rules.CapDay,
                CapWeek = o.CapWeek ?? rules.CapWeek,
                QuietStart = o.QuietStart ?? rules.QuietStart,
                QuietEnd = o.QuietEnd ?? rules.QuietEnd,
                ReeligibleAfter = o.ReeligibleAfter ?? rules.ReeligibleAfter,
                SimilarCosine = o.SimilarCosine ?? rules.SimilarCosine,
                StalenessMax = o.StalenessMax ?? rules.StalenessMax,
                ExploreRate = o.ExploreRate ?? rules.ExploreRate,
            };

    /// <summary>
    /// Quiet hours need start ≠ end (an empty and an all-day window would look the same). Checked
    /// after a change of either end, at every scope that sets one, pairing it with the global
    /// value or default of the other; the changed scope is reported first.
    /// </summary>
    private static bool QuietHoursDiffer(RuleIndex index, RuleScope changed, out string error)
    {
        var global = index.Get(RuleScope.Global);
        var start = global?.QuietStart ?? EffectiveRules.Defaults.QuietStart;
        var end = global?.QuietEnd ?? EffectiveRules.Defaults.QuietEnd;
        if (Clash(changed, index.Get(changed), out error) || Clash(RuleScope.Global, global, out error))
        {
            return false;
        }

        foreach (var (scope, overrides) in index.Scopes)
        {
            if (Clash(scope, overrides, out error))
            {
                return false;
            }
        }

        error = string.Empty;
        return true;

        bool Clash(RuleScope scope, ScopeOverrides? o, out string why)
        {
            var s = o?.QuietStart ?? start;
            var e = o?.QuietEnd ?? end;
            why = s == e
                ? $"quiet.start and quiet.end must differ (both {RuleValues.FormatTime(s)})" + (scope.Kind == RuleScopeKind.Global ? "" : $" for {scope}")
                : string.Empty;
            return s == e;
        }
    }

    private static int CompareEntries(RuleEntry a, RuleEntry b)
    {
        int c = RuleKeys.IndexOf(a.Key).CompareTo(RuleKeys.IndexOf(b.Key));
        if (c == 0)
        {
            c = a.Scope.Kind.CompareTo(b.Scope.Kind);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Scope.User, b.Scope.User);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Scope.Item, b.Scope.Item);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Scope.Category, b.Scope.Category);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Scope.Segment, b.Scope.Segment);
    }
}
