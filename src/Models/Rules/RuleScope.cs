namespace Osr.Orleans.Models.Rules;

/// <summary>Where a rule override applies; the fields of <see cref="RuleScope"/> that a kind uses.</summary>
public enum RuleScopeKind : byte
{
    Global,
    Segment,
    Category,
    Item,
    User,
    UserItem,
    UserCategory,
}

/// <summary>
/// The scope of one rule override: global, one segment, one category, one item, one user, one
/// (user, item) pair or one (user, category) pair. Only the fields the <see cref="Kind"/> uses
/// are set; the others are null. <c>default(RuleScope)</c> is <see cref="Global"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.rule-scope")]
public readonly record struct RuleScope(
    [property: Id(0)] RuleScopeKind Kind,
    [property: Id(1)] string? User,
    [property: Id(2)] string? Item,
    [property: Id(3)] string? Category,
    [property: Id(4)] string? Segment)
{
    /// <summary>Longest id accepted in a scope (user, item, category, segment).</summary>
    public const int MaxIdLength = 256;

    public static RuleScope Global { get; }

    public static RuleScope ForUser(string user) => new(RuleScopeKind.User, user, null, null, null);

    public static RuleScope ForItem(string item) => new(RuleScopeKind.Item, null, item, null, null);

    public static RuleScope ForCategory(string category) => new(RuleScopeKind.Category, null, null, category, null);

    public static RuleScope ForSegment(string segment) => new(RuleScopeKind.Segment, null, null, null, segment);

    public static RuleScope ForUserItem(string user, string item) => new(RuleScopeKind.UserItem, user, item, null, null);

    public static RuleScope ForUserCategory(string user, string category) => new(RuleScopeKind.UserCategory, user, null, category, null);

    /// <summary>
    /// Builds the scope from the CLI flags (--user/--item/--category/--segment, each may be null);
    /// combinations other than the kinds above, and empty, oversize or control-character ids,
    /// give false and a one-line error.
    /// </summary>
    public static bool TryFrom(string? user, string? item, string? category, string? segment, out RuleScope scope, out string error)
    {
        scope = Global;
        if (!TryCheckId("--user", user, out error) || !TryCheckId("--item", item, out error)
            || !TryCheckId("--category", category, out error) || !TryCheckId("--segment", segment, out error))
        {
            return false;
        }

        RuleScope? built = (user, item, category, segment) switch
        {
            (null, null, null, null) => Global,
            ({ } u, null, null, null) => ForUser(u),
            (null, { } i, null, null) => ForItem(i),
            (null, null, { } c, null) => ForCategory(c),
            (null, null, null, { } s) => ForSegment(s),
            ({ } u, { } i, null, null) => ForUserItem(u, i),
            ({ } u, null, { } c, null) => ForUserCategory(u, c),
            _ => null,
        };

        if (built is null)
        {
            var given = string.Join(' ', new[] { ("--user", user), ("--item", item), ("--category", category), ("--segment", segment) }
                .Where(p => p.Item2 is not null).Select(p => p.Item1));
            error = $"{given} cannot be combined; use one of --user, --item, --category, --segment, --user with --item, --user with --category, or none (global)";
            return false;
        }

        scope = built.Value;
        error = string.Empty;
        return true;
    }

    /// <summary>"global", "user u-7", "user u-7 item drink-3", "category drinks", ...</summary>
    public override string ToString() => Kind switch
    {
        RuleScopeKind.Global => "global",
        RuleScopeKind.Segment => $"segment {Segment}",
        RuleScopeKind.Category => $"category {Category}",
        RuleScopeKind.Item => $"item {Item}",
        RuleScopeKind.User => $"user {User}",
        RuleScopeKind.UserItem => $"user {User} item {Item}",
        RuleScopeKind.UserCategory => $"user {User} category {Category}",
        _ => $"scope {(byte)Kind}",
    };

    /// <summary>
    /// True when the fields match the kind (exactly the kind's ids set, each valid); a scope built
    /// by hand or read from a hostile caller is checked here before it is stored.
    /// </summary>
    internal bool IsWellFormed(out string error)
    {
        var (needsUser, needsItem, needsCategory, needsSegment) = Kind switch
        {
            RuleScopeKind.Global => (false, false, false, false),
            RuleScopeKind.Segment => (false, false, false, true),
            RuleScopeKind.Category => (false, false, true, false),
            RuleScopeKind.Item => (false, true, false, false),
            RuleScopeKind.User => (true, false, false, false),
            RuleScopeKind.UserItem => (true, true, false, false),
            RuleScopeKind.UserCategory => (true, false, true, false),
            _ => (false, false, false, false),
        };

        if (!Enum.IsDefined(Kind))
        {
            error = $"unknown scope kind {(byte)Kind}";
            return false;
        }

        var kind = KindName(Kind);
        return Matches(kind, "user", User, needsUser, out error) && Matches(kind, "item", Item, needsItem, out error)
            && Matches(kind, "category", Category, needsCategory, out error) && Matches(kind, "segment", Segment, needsSegment, out error);

        static bool Matches(string kind, string name, string? value, bool needed, out string why)
        {
            if (needed && value is null)
            {
                why = $"a {kind} scope needs a {name}";
                return false;
            }

            if (!needed && value is not null)
            {
                why = $"a {kind} scope takes no {name}";
                return false;
            }

            return TryCheckId(name, value, out why);
        }
    }

    internal static string KindName(RuleScopeKind kind) => kind switch
    {
        RuleScopeKind.UserItem => "user+item",
        RuleScopeKind.UserCategory => "user+category",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static bool TryCheckId(string name, string? id, out string error)
    {
        error = string.Empty;
        if (id is null)
        {
            return true;
        }

        if (string.IsNullOrWhiteSpace(id))
        {
            error = $"{name} is empty";
            return false;
        }

        if (id.Length > MaxIdLength)
        {
            error = $"{name} is too long ({id.Length} characters, at most {MaxIdLength})";
            return false;
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                error = $"{name} contains control characters";
                return false;
            }
        }

        if (char.IsWhiteSpace(id[0]) || char.IsWhiteSpace(id[^1]))
        {
            error = $"{name} has leading or trailing white space: {RuleValues.Quote(id)}";
            return false;
        }

        return true;
    }
}
