using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.UnitTests.Rules;

public class RuleScopeTests
{
    public static TheoryData<string?, string?, string?, string?, RuleScopeKind, string> Valid => new()
    {
        { null, null, null, null, RuleScopeKind.Global, "global" },
        { "u-7", null, null, null, RuleScopeKind.User, "user u-7" },
        { null, "drink-3", null, null, RuleScopeKind.Item, "item drink-3" },
        { null, null, "drinks", null, RuleScopeKind.Category, "category drinks" },
        { null, null, null, "powerlifting", RuleScopeKind.Segment, "segment powerlifting" },
        { "u-7", "drink-3", null, null, RuleScopeKind.UserItem, "user u-7 item drink-3" },
        { "u-7", null, "drinks", null, RuleScopeKind.UserCategory, "user u-7 category drinks" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void CliFlagsBuildTheMatchingScope(string? user, string? item, string? category, string? segment, RuleScopeKind kind, string text)
    {
        RuleScope.TryFrom(user, item, category, segment, out var scope, out var error).Should().BeTrue(error);
        scope.Kind.Should().Be(kind);
        scope.Should().Be(new RuleScope(kind, user, item, category, segment));
        scope.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData(null, "drink-3", "drinks", null)]
    [InlineData("u-7", null, null, "powerlifting")]
    [InlineData(null, null, "drinks", "powerlifting")]
    [InlineData("u-7", "drink-3", "drinks", null)]
    [InlineData("u-7", "drink-3", "drinks", "powerlifting")]
    public void OtherFlagCombinationsAreRefused(string? user, string? item, string? category, string? segment)
    {
        RuleScope.TryFrom(user, item, category, segment, out var scope, out var error).Should().BeFalse();
        scope.Should().Be(RuleScope.Global);
        error.Should().Contain("cannot be combined");
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData(" u-7", "white space")]
    [InlineData("u-7\n", "control characters")]
    [InlineData("u\u0000", "control characters")]
    public void BadIdsAreRefused(string user, string expected)
    {
        RuleScope.TryFrom(user, null, null, null, out _, out var error).Should().BeFalse();
        error.Should().StartWith("--user").And.Contain(expected);
    }

    [Fact]
    public void HugeIdsAreRefusedWithAShortMessage()
    {
        RuleScope.TryFrom(null, new string('x', 100_000), null, null, out _, out var error).Should().BeFalse();
        error.Should().Be("--item is too long (100000 characters, at most 256)");
    }

    [Fact]
    public void FactoriesAndDefaultAgree()
    {
        default(RuleScope).Should().Be(RuleScope.Global);
        RuleScope.ForUser("u").Should().Be(new RuleScope(RuleScopeKind.User, "u", null, null, null));
        RuleScope.ForItem("i").Should().Be(new RuleScope(RuleScopeKind.Item, null, "i", null, null));
        RuleScope.ForCategory("c").Should().Be(new RuleScope(RuleScopeKind.Category, null, null, "c", null));
        RuleScope.ForSegment("s").Should().Be(new RuleScope(RuleScopeKind.Segment, null, null, null, "s"));
        RuleScope.ForUserItem("u", "i").Should().Be(new RuleScope(RuleScopeKind.UserItem, "u", "i", null, null));
        RuleScope.ForUserCategory("u", "c").Should().Be(new RuleScope(RuleScopeKind.UserCategory, "u", null, "c", null));
    }

    [Fact]
    public void RuleCodesAreTheWireNames()
    {
        RuleNames.All.Select(r => r.Code()).Should().Equal(
            "optout", "quiet", "threshold", "gap.similar", "cap.day", "cap.week", "reeligible", "staleness");
        foreach (var rule in RuleNames.All)
        {
            RuleNames.TryParse(rule.Code(), out var parsed).Should().BeTrue();
            parsed.Should().Be(rule);
        }

        RuleNames.TryParse("Quiet", out _).Should().BeFalse();
        RuleNames.TryParse(null, out _).Should().BeFalse();
    }

    [Fact]
    public void RuleKeysAreTheContractKeysWithDefaults()
    {
        RuleKeys.All.Should().Equal(
            "osr.threshold", "gap.similar", "cap.day", "cap.week", "quiet.start", "quiet.end", "reeligible.after",
            "similar.cosine", "staleness.max", "explore.rate", "optout", "ab.share", "ab.model");
        RuleKeys.All.Select(RuleKeys.DefaultValueOf).Should().Equal(
            "0.75", "6h", "3", "10", "22:00", "07:00", "72h", "0.8", "5m", "0.05", "none", "0", "none");
        RuleKeys.IsKnown("cap.day").Should().BeTrue();
        RuleKeys.IsKnown("CAP.DAY").Should().BeFalse();
        RuleKeys.DefaultValueOf("cap.dya").Should().BeNull();
    }
}
