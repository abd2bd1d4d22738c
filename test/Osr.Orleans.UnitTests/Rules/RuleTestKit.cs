using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.UnitTests.Rules;

/// <summary>Builders shared by the rules tests; every instant is an explicit <see cref="DateTimeOffset"/>.</summary>
internal static class RuleTestKit
{
    public const string Amsterdam = "Europe/Amsterdam";
    public const string NewYork = "America/New_York";
    public const string Kolkata = "Asia/Kolkata";
    public const string Sydney = "Australia/Sydney";

    /// <summary>Rules that let everything through except what a test sets: no quiet hours, no caps, no gaps.</summary>
    public static readonly EffectiveRules Open = EffectiveRules.Defaults with
    {
        Threshold = 0.5,
        QuietStart = new TimeOnly(0, 0),
        QuietEnd = new TimeOnly(0, 0),
        CapDay = 100,
        CapWeek = 100,
        GapSimilar = TimeSpan.Zero,
        ReeligibleAfter = TimeSpan.Zero,
        StalenessMax = TimeSpan.FromMinutes(5),
        ExploreRate = 0,
    };

    public static readonly RuleCandidate Drink = new("drink-3", "drinks", 0.9, null);

    /// <summary>UTC ticks of a wall time at a fixed UTC offset (hours).</summary>
    public static long At(int year, int month, int day, int hour, int minute, double offsetHours = 0, int second = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromHours(offsetHours)).UtcTicks;

    public static PushRecord Push(string itemId, string category, long sentUtcTicks, float[]? factor = null) =>
        new($"n-{itemId}-{sentUtcTicks}", itemId, category, sentUtcTicks, factor);

    /// <summary>Evaluates with the state scored at <paramref name="now"/> and no exploration.</summary>
    public static CandidateVerdict Evaluate(RuleCandidate candidate, EffectiveRules rules, long now, string zone = "UTC",
        IReadOnlyList<PushRecord>? history = null, long? state = null, double draw = 0.999) =>
        NotificationRules.Evaluate(candidate, rules, zone, history ?? [], now, state ?? now, draw);

    public static RuleCheck Check(this CandidateVerdict verdict, RuleName rule) => verdict.Checks.Single(c => c.Rule == rule);

    /// <summary>Applies a change that must succeed.</summary>
    public static RuleSet Set(this RuleSet rules, string key, RuleScope scope, string value)
    {
        var ok = rules.TryApply(key, scope, value, new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero), out var next, out var error);
        ok.Should().BeTrue(error);
        return next;
    }

    /// <summary>The error of a change that must fail, after checking that nothing changed.</summary>
    public static string Refused(this RuleSet rules, string key, RuleScope scope, string value)
    {
        var ok = rules.TryApply(key, scope, value, new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero), out var next, out var error);
        ok.Should().BeFalse($"'{key}' = '{value}' at {scope} must be refused");
        next.Should().BeSameAs(rules);
        next.Version.Should().Be(rules.Version);
        next.Entries.Should().BeSameAs(rules.Entries);
        error.Should().NotBeNullOrWhiteSpace().And.NotContain("\n").And.NotContain("\r");
        error.Length.Should().BeLessThan(400);
        return error;
    }
}
