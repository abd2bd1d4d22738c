using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.UnitTests.Rules;

public class RuleSetTests
{
    private static readonly RuleScope User7 = RuleScope.ForUser("u-7");

    [Fact]
    public void DefaultsAreVersionZeroWithNoEntriesAndResolveToTheDocumentedValues()
    {
        RuleSet.Defaults.Version.Should().Be(0);
        RuleSet.Defaults.Entries.Should().BeEmpty();

        var rules = RuleSet.Defaults.Resolve("u-7", "powerlifting", "drink-3", "drinks");

        rules.Should().Be(EffectiveRules.Defaults);
        rules.Threshold.Should().Be(0.75);
        rules.GapSimilar.Should().Be(TimeSpan.FromHours(6));
        rules.CapDay.Should().Be(3);
        rules.CapWeek.Should().Be(10);
        rules.QuietStart.Should().Be(new TimeOnly(22, 0));
        rules.QuietEnd.Should().Be(new TimeOnly(7, 0));
        rules.ReeligibleAfter.Should().Be(TimeSpan.FromHours(72));
        rules.SimilarCosine.Should().Be(0.8);
        rules.StalenessMax.Should().Be(TimeSpan.FromMinutes(5));
        rules.ExploreRate.Should().Be(0.05);
        rules.OptOut.Should().Be(default(OptOutState));
        rules.ThresholdFrom.Should().Be(RuleScopeKind.Global);
    }

    [Fact]
    public void ASuccessfulChangeBumpsTheVersionStampsTheTimeAndStoresTheNormalisedValue()
    {
        var at = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.FromHours(1));

        RuleSet.Defaults.TryApply("gap.similar", RuleScope.ForCategory("drinks"), " 90m ", at, out var next, out var error)
            .Should().BeTrue(error);

        error.Should().BeEmpty();
        next.Version.Should().Be(1);
        next.ChangedAt.Should().Be(at);
        next.Entries.Should().Equal(new RuleEntry("gap.similar", RuleScope.ForCategory("drinks"), "1h30m"));
        RuleSet.Defaults.Entries.Should().BeEmpty("the original set is immutable");
    }

    [Theory]
    [InlineData("osr.threshold", "0.750", "0.75")]
    [InlineData("osr.threshold", "-0", "0")]
    [InlineData("osr.threshold", "1E0", "1")]
    [InlineData("similar.cosine", "-1", "-1")]
    [InlineData("explore.rate", ".1", "0.1")]
    [InlineData("cap.day", "+3", "3")]
    [InlineData("cap.week", "-0", "0")]
    [InlineData("cap.day", " 0 ", "0")]
    [InlineData("quiet.start", "7:05", "07:05")]
    [InlineData("staleness.max", "300s", "5m")]
    [InlineData("reeligible.after", "3d", "72h")]
    [InlineData("gap.similar", "0s", "0s")]
    [InlineData("OSR.Threshold", "0.5", "0.5")]
    public void ValuesAreStoredInNormalisedForm(string key, string value, string stored)
    {
        var next = RuleSet.Defaults.Set(key, RuleScope.Global, value);

        next.Entries.Should().ContainSingle().Which.Value.Should().Be(stored);
        next.Entries[0].Key.Should().Be(key.ToLowerInvariant());
    }

    [Fact]
    public void ThresholdResolvesMostSpecificFirstAndFallsBackAsOverridesAreRemoved()
    {
        var set = RuleSet.Defaults
            .Set(RuleKeys.Threshold, RuleScope.Global, "0.5")
            .Set(RuleKeys.Threshold, RuleScope.ForSegment("powerlifting"), "0.55")
            .Set(RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.6")
            .Set(RuleKeys.Threshold, RuleScope.ForItem("drink-3"), "0.65")
            .Set(RuleKeys.Threshold, User7, "0.7")
            .Set(RuleKeys.Threshold, RuleScope.ForUserItem("u-7", "drink-3"), "0.8");

        var expected = new (RuleScope Removed, double Threshold, RuleScopeKind From)[]
        {
            (RuleScope.ForUserItem("u-7", "drink-3"), 0.7, RuleScopeKind.User),
            (User7, 0.65, RuleScopeKind.Item),
            (RuleScope.ForItem("drink-3"), 0.6, RuleScopeKind.Category),
            (RuleScope.ForCategory("drinks"), 0.55, RuleScopeKind.Segment),
            (RuleScope.ForSegment("powerlifting"), 0.5, RuleScopeKind.Global),
            (RuleScope.Global, 0.75, RuleScopeKind.Global),
        };

        Resolve(set).Should().Be((0.8, RuleScopeKind.UserItem));
        foreach (var (removed, threshold, from) in expected)
        {
            set = set.Set(RuleKeys.Threshold, removed, "default");
            Resolve(set).Should().Be((threshold, from), $"after removing the override at {removed}");
        }

        set.Entries.Should().BeEmpty();
        set.Version.Should().Be(12);

        static (double, RuleScopeKind) Resolve(RuleSet s)
        {
            var r = s.Resolve("u-7", "powerlifting", "drink-3", "drinks");
            return (r.Threshold, r.ThresholdFrom);
        }
    }

    [Fact]
    public void OverridesApplyOnlyToTheirOwnUserItemCategoryAndSegment()
    {
        var set = RuleSet.Defaults
            .Set(RuleKeys.Threshold, RuleScope.ForSegment("powerlifting"), "0.55")
            .Set(RuleKeys.CapDay, RuleScope.ForCategory("drinks"), "1")
            .Set(RuleKeys.GapSimilar, RuleScope.ForItem("drink-3"), "1h")
            .Set(RuleKeys.CapWeek, User7, "4")
            .Set(RuleKeys.ReeligibleAfter, RuleScope.ForUserItem("u-7", "drink-3"), "1d");

        set.Resolve("u-8", "yoga", "bar-1", "snacks").Should().Be(EffectiveRules.Defaults);
        set.Resolve("u-8", null, "bar-1", "snacks").Should().Be(EffectiveRules.Defaults);

        var mine = set.Resolve("u-7", "powerlifting", "drink-3", "drinks");
        mine.Should().Be(EffectiveRules.Defaults with
        {
            Threshold = 0.55,
            ThresholdFrom = RuleScopeKind.Segment,
            CapDay = 1,
            GapSimilar = TimeSpan.FromHours(1),
            CapWeek = 4,
            ReeligibleAfter = TimeSpan.FromDays(1),
        });

        set.Resolve("u-7", null, "drink-4", "drinks").Should().Be(EffectiveRules.Defaults with { CapDay = 1, CapWeek = 4 });
    }

    [Fact]
    public void EachKeyResolvesIndependently()
    {
        var set = RuleSet.Defaults
            .Set(RuleKeys.QuietStart, RuleScope.ForSegment("nightshift"), "09:00")
            .Set(RuleKeys.QuietEnd, RuleScope.ForSegment("nightshift"), "17:00")
            .Set(RuleKeys.QuietEnd, User7, "18:30")
            .Set(RuleKeys.StalenessMax, RuleScope.Global, "2m");

        var rules = set.Resolve("u-7", "nightshift", "drink-3", "drinks");

        rules.QuietStart.Should().Be(new TimeOnly(9, 0));
        rules.QuietEnd.Should().Be(new TimeOnly(18, 30));
        rules.StalenessMax.Should().Be(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void SettingAKeyTwiceAtOneScopeReplacesTheValue()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.CapDay, User7, "2").Set(RuleKeys.CapDay, User7, "5");

        set.Entries.Should().Equal(new RuleEntry(RuleKeys.CapDay, User7, "5"));
        set.Version.Should().Be(2);
    }

    [Fact]
    public void EntriesAreKeptInKeyThenScopeOrder()
    {
        var set = RuleSet.Defaults
            .Set(RuleKeys.CapDay, RuleScope.ForUser("u-9"), "2")
            .Set(RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.6")
            .Set(RuleKeys.CapDay, RuleScope.ForUser("u-1"), "2")
            .Set(RuleKeys.CapDay, RuleScope.Global, "4");

        set.Entries.Select(e => $"{e.Key} {e.Scope}").Should().Equal(
            "osr.threshold category drinks", "cap.day global", "cap.day user u-1", "cap.day user u-9");
    }

    [Fact]
    public void RemovingAnOverrideThatIsNotSetSucceedsAndChangesNothingButTheVersion()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.CapDay, RuleScope.Global, "unset");

        set.Entries.Should().BeEmpty();
        set.Version.Should().Be(1);
    }

    [Fact]
    public void OptOutAtUserScopeCoversAllOrOneChannel()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.OptOut, User7, "mqtt");
        set.OptOutOf("u-7").Should().Be(new OptOutState(false, true, false, false));
        set.OptOutOf("u-8").Should().Be(default(OptOutState));

        set = set.Set(RuleKeys.OptOut, User7, "Webhook, MQTT");
        set.OptOutOf("u-7").Should().Be(new OptOutState(false, true, true, false));
        set.Entries.Single().Value.Should().Be("mqtt,webhook");

        set = set.Set(RuleKeys.OptOut, User7, "ALL");
        set.OptOutOf("u-7").Should().Be(new OptOutState(true, false, false, false));
        set.Resolve("u-7", null, "drink-3", "drinks").OptOut.All.Should().BeTrue();

        set = set.Set(RuleKeys.OptOut, User7, "none");
        set.OptOutOf("u-7").Should().Be(default(OptOutState));
        set.Entries.Should().BeEmpty();
    }

    [Fact]
    public void CategoryOptOutAppliesToThatCategoryOnly()
    {
        var drinks = RuleScope.ForUserCategory("u-7", "drinks");
        var set = RuleSet.Defaults.Set(RuleKeys.OptOut, drinks, "on").Set(RuleKeys.OptOut, User7, "webhook");

        set.Resolve("u-7", null, "drink-3", "drinks").OptOut.Should().Be(new OptOutState(false, false, true, true));
        set.Resolve("u-7", null, "bar-1", "snacks").OptOut.Should().Be(new OptOutState(false, false, true, false));
        set.Resolve("u-8", null, "drink-3", "drinks").OptOut.Should().Be(default(OptOutState));
        set.OptOutOf("u-7").Should().Be(new OptOutState(false, false, true, false));
        set.OptOutOf("u-7", "drinks").Should().Be(new OptOutState(false, false, true, true));

        set.Set(RuleKeys.OptOut, drinks, "TRUE").Resolve("u-7", null, "drink-3", "drinks").OptOut.Category.Should().BeTrue();
        set.Set(RuleKeys.OptOut, drinks, "off").Resolve("u-7", null, "drink-3", "drinks").OptOut.Category.Should().BeFalse();
        set.Set(RuleKeys.OptOut, drinks, "false").Entries.Should().ContainSingle();
    }

    public static TheoryData<string, RuleScope, string, string> BadChanges => new()
    {
        { "cap.dya", RuleScope.Global, "3", "unknown rule key 'cap.dya'; known: osr.threshold, gap.similar, cap.day, cap.week, quiet.start, quiet.end, reeligible.after, similar.cosine, staleness.max, explore.rate, optout, ab.share, ab.model" },
        { "", RuleScope.Global, "3", "rule key is empty; known: osr.threshold, gap.similar, cap.day, cap.week, quiet.start, quiet.end, reeligible.after, similar.cosine, staleness.max, explore.rate, optout, ab.share, ab.model" },
        { "cap.day", RuleScope.Global, "-1", "cap.day must be a whole number ≥ 0, got '-1'" },
        { "cap.day", RuleScope.Global, "2.5", "cap.day must be a whole number ≥ 0, got '2.5'" },
        { "cap.week", RuleScope.Global, "99999999999", "cap.week must be a whole number ≥ 0, got '99999999999'" },
        { "osr.threshold", RuleScope.Global, "1.5", "osr.threshold must be in [0, 1], got '1.5'" },
        { "osr.threshold", RuleScope.Global, "NaN", "osr.threshold must be in [0, 1], got 'NaN'" },
        { "similar.cosine", RuleScope.Global, "1.01", "similar.cosine must be in [-1, 1], got '1.01'" },
        { "explore.rate", RuleScope.Global, "-0.01", "explore.rate must be in [0, 1], got '-0.01'" },
        { "ab.share", RuleScope.Global, "2", "ab.share must be in [0, 1], got '2'" },
        { "gap.similar", RuleScope.Global, "6x", "gap.similar: '6x' is not a duration (use 6h, 30m, 90s, 2d)" },
        { "reeligible.after", RuleScope.Global, "-72h", "reeligible.after: '-72h' is not a duration (use 6h, 30m, 90s, 2d)" },
        { "staleness.max", RuleScope.Global, "0s", "staleness.max must be > 0, got '0s'" },
        { "quiet.start", RuleScope.Global, "25:00", "quiet.start: '25:00' is not a time of day (use HH:mm, e.g. 22:00)" },
        { "quiet.end", RuleScope.Global, "24:00", "quiet.end: '24:00' is not a time of day (use HH:mm, e.g. 22:00)" },
        { "quiet.start", RuleScope.Global, "07:00", "quiet.start and quiet.end must differ (both 07:00)" },
        { "quiet.end", RuleScope.Global, "22:00", "quiet.start and quiet.end must differ (both 22:00)" },
        { "quiet.end", RuleScope.ForUser("u-7"), "22:00", "quiet.start and quiet.end must differ (both 22:00) for user u-7" },
        { "optout", RuleScope.Global, "all", "optout applies to --user (with optional --category) only" },
        { "optout", RuleScope.ForCategory("drinks"), "on", "optout applies to --user (with optional --category) only" },
        { "optout", RuleScope.ForUserItem("u-7", "drink-3"), "all", "optout applies to --user (with optional --category) only" },
        { "optout", RuleScope.ForUser("u-7"), "sms", "optout for a user must be all, mqtt, webhook (or mqtt,webhook) or none, got 'sms'" },
        { "optout", RuleScope.ForUser("u-7"), "mqtt,,webhook", "optout for a user must be all, mqtt, webhook (or mqtt,webhook) or none, got 'mqtt,,webhook'" },
        { "optout", RuleScope.ForUser("u-7"), "on", "optout for a user must be all, mqtt, webhook (or mqtt,webhook) or none, got 'on'" },
        { "optout", RuleScope.ForUserCategory("u-7", "drinks"), "all", "optout for a user and category must be on or off, got 'all'" },
        { "ab.share", RuleScope.ForSegment("powerlifting"), "0.5", "ab.share is global only" },
        { "ab.model", RuleScope.ForUser("u-7"), "v2", "ab.model is global only" },
        { "ab.model", RuleScope.Global, "v2/../../etc", "ab.model must be a model version (ASCII letters, digits, . _ - : +; at most 64) or none, got 'v2/../../etc'" },
        { "cap.day", RuleScope.ForUserCategory("u-7", "drinks"), "1", "cap.day cannot be set for a user+category; use --user, --item, --category, --segment, --user with --item, or none (global)" },
        { "cap.day", RuleScope.Global, "", "cap.day: value is empty (use \"default\" to remove an override)" },
        { "cap.day", RuleScope.Global, "   ", "cap.day: value is empty (use \"default\" to remove an override)" },
        { "cap.day", new RuleScope(RuleScopeKind.User, null, null, null, null), "1", "a user scope needs a user" },
        { "cap.day", new RuleScope(RuleScopeKind.Category, "u-7", null, "drinks", null), "1", "a category scope takes no user" },
        { "cap.day", new RuleScope((RuleScopeKind)42, null, null, null, null), "1", "unknown scope kind 42" },
        { "cap.day", RuleScope.ForItem(""), "1", "item is empty" },
    };

    [Theory]
    [MemberData(nameof(BadChanges))]
    public void BadChangesAreRefusedWithAClearMessageAndChangeNothing(string key, RuleScope scope, string value, string expected)
    {
        var before = RuleSet.Defaults.Set(RuleKeys.CapDay, RuleScope.ForCategory("drinks"), "2");

        before.Refused(key, scope, value).Should().Be(expected);

        before.Resolve("u-7", null, "drink-3", "drinks").CapDay.Should().Be(2);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    [InlineData("1e309")]
    [InlineData("-1e309")]
    [InlineData("0,5")]
    [InlineData("0x1")]
    [InlineData("٠٫٥")] // Arabic-Indic 0.5
    [InlineData("０.５")] // full-width 0.5
    [InlineData("½")]
    [InlineData("null")]
    [InlineData("undefined")]
    [InlineData("None")]
    [InlineData("0.5\u200B")] // zero-width space is not white space
    [InlineData("0.5\n0.6")]
    [InlineData("\"0.5\"")]
    [InlineData("0.5;DROP TABLE rules")]
    public void HostileThresholdValuesAreRefused(string value) =>
        RuleSet.Defaults.Refused(RuleKeys.Threshold, RuleScope.Global, value).Should().StartWith("osr.threshold must be in [0, 1], got '");

    [Theory]
    [InlineData("٣")] // Arabic-Indic three
    [InlineData("３")] // full-width three
    [InlineData("1e3")]
    [InlineData("0x3")]
    [InlineData("3.0")]
    [InlineData("3\t3")]
    [InlineData("2147483648")]
    [InlineData("-0.0")]
    [InlineData("NaN")]
    public void HostileCapValuesAreRefused(string value) =>
        RuleSet.Defaults.Refused(RuleKeys.CapDay, RuleScope.Global, value).Should().StartWith("cap.day must be a whole number ≥ 0, got '");

    [Fact]
    public void HugeKeysValuesAndIdsGiveShortOneLineErrors()
    {
        var huge = new string('9', 1_000_000);

        RuleSet.Defaults.Refused(RuleKeys.Threshold, RuleScope.Global, huge)
            .Should().Be("osr.threshold: value is too long (1000000 characters, at most 128)");
        RuleSet.Defaults.Refused(huge, RuleScope.Global, "1")
            .Should().StartWith("unknown rule key '9999999999999999999999999999999999999999'… (1000000 characters); known: ");
        RuleSet.Defaults.Refused(RuleKeys.CapDay, RuleScope.ForUser(huge), "1")
            .Should().Be("user is too long (1000000 characters, at most 256)");
        RuleSet.Defaults.Refused("cap.day\n\r\0", RuleScope.Global, "1")
            .Should().StartWith("unknown rule key 'cap.day???'");
        RuleSet.Defaults.Refused(RuleKeys.Threshold, RuleScope.Global, "\u202E5.0")
            .Should().Be("osr.threshold must be in [0, 1], got '?5.0'");
    }

    [Fact]
    public void NullKeyOrValueIsRefusedNotThrown()
    {
        RuleSet.Defaults.Refused(null!, RuleScope.Global, "1").Should().StartWith("rule key is empty");
        RuleSet.Defaults.Refused(RuleKeys.CapDay, RuleScope.Global, null!).Should().Be("cap.day: value is missing");
        RuleSet.Defaults.Refused(RuleKeys.CapDay, RuleScope.ForUser(null!), "1").Should().Be("a user scope needs a user");
    }

    [Fact]
    public void QuietHoursClashIsCheckedAgainstEveryScopeThatSetsAnEnd()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.QuietEnd, User7, "23:00");

        set.Refused(RuleKeys.QuietStart, RuleScope.Global, "23:00")
            .Should().Be("quiet.start and quiet.end must differ (both 23:00) for user u-7");

        set.Set(RuleKeys.QuietStart, User7, "21:00").Set(RuleKeys.QuietStart, RuleScope.Global, "23:00")
            .Resolve("u-7", null, "i", "c").Should().Match<EffectiveRules>(r => r.QuietStart == new TimeOnly(21, 0) && r.QuietEnd == new TimeOnly(23, 0));
    }

    [Fact]
    public void OtherKeysAreNotBlockedByTheQuietHoursCheck()
    {
        var damaged = new RuleSet(3, [new RuleEntry(RuleKeys.QuietStart, RuleScope.Global, "07:00")], DateTimeOffset.UnixEpoch);

        damaged.Set(RuleKeys.CapDay, RuleScope.Global, "2").Version.Should().Be(4);
        damaged.Refused(RuleKeys.QuietEnd, RuleScope.ForUser("u-7"), "09:00").Should().Be("quiet.start and quiet.end must differ (both 07:00)");
    }

    [Fact]
    public void RemovingAQuietEndThatWouldLeaveEqualEndsIsRefused()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.QuietEnd, User7, "09:00").Set(RuleKeys.QuietStart, User7, "07:00");

        set.Refused(RuleKeys.QuietEnd, User7, "default").Should().Be("quiet.start and quiet.end must differ (both 07:00) for user u-7");
    }

    [Fact]
    public void AFailedChangeLeavesTheSetUnchanged()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.CapDay, User7, "2").Set(RuleKeys.Threshold, RuleScope.Global, "0.6");
        var entries = set.Entries.ToArray();

        set.TryApply(RuleKeys.CapDay, User7, "-5", DateTimeOffset.UnixEpoch, out var next, out var error).Should().BeFalse();

        next.Should().BeSameAs(set);
        set.Version.Should().Be(2);
        set.Entries.Should().Equal(entries);
        set.Resolve("u-7", null, "i", "c").CapDay.Should().Be(2);
        error.Should().Be("cap.day must be a whole number ≥ 0, got '-5'");
    }

    [Fact]
    public void ArmIsAWithoutAModelAndStableAcrossCalls()
    {
        RuleSet.Defaults.ArmOf("u-7").Should().Be("a");
        RuleSet.Defaults.ArmBModel.Should().BeNull();
        RuleSet.Defaults.Set(RuleKeys.AbShare, RuleScope.Global, "1").ArmOf("u-7").Should().Be("a", "no model for arm b");

        var set = RuleSet.Defaults.Set(RuleKeys.AbShare, RuleScope.Global, "1").Set(RuleKeys.AbModel, RuleScope.Global, "20260101T000000Z");
        set.ArmBModel.Should().Be("20260101T000000Z");
        set.ArmOf("u-7").Should().Be("b");
        set.Set(RuleKeys.AbModel, RuleScope.Global, "NONE").ArmBModel.Should().BeNull();
    }

    /// <summary>
    /// Pinned: FNV-1a-64 of the UTF-8 bytes, MurmurHash3 fmix64, top 53 bits / 2⁵³. Oracle: an
    /// independent Python 3 implementation of the same steps; any change would reshuffle every
    /// user's A/B arm.
    /// </summary>
    [Theory]
    [InlineData("u-7", 0.9679191908555764)]
    [InlineData("u-1000", 0.29933584929427015)]
    [InlineData("alice@example.com", 0.3277084670198924)]
    public void StableHashIsPinned(string userId, double expected) =>
        RuleSet.StableHash(userId).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public void StableHashHandlesEmptyAndNonAsciiIds()
    {
        RuleSet.StableHash("").Should().BeInRange(0, 1);
        RuleSet.StableHash("ユーザー-7").Should().BeInRange(0, 1).And.NotBe(RuleSet.StableHash("u-7"));
        RuleSet.StableHash(new string('x', 10_000)).Should().BeInRange(0, 1);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    public void ShareOfArmBIsRespectedOnTenThousandIds(double share)
    {
        var set = RuleSet.Defaults
            .Set(RuleKeys.AbShare, RuleScope.Global, share.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set(RuleKeys.AbModel, RuleScope.Global, "v2");

        var b = Enumerable.Range(0, 10_000).Count(i => set.ArmOf($"u-{i}") == "b");

        (b / 10_000.0).Should().BeApproximately(share, 0.02);
    }

    [Fact]
    public void RuleSetRoundTripsThroughTheOrleansSerializerAndStillResolves()
    {
        using var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(RuleSet).Assembly))
            .BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var set = RuleSet.Defaults
            .Set(RuleKeys.Threshold, RuleScope.ForCategory("drinks"), "0.6")
            .Set(RuleKeys.OptOut, RuleScope.ForUserCategory("u-7", "drinks"), "on")
            .Set(RuleKeys.AbModel, RuleScope.Global, "v2");
        set.Resolve("u-7", null, "drink-3", "drinks"); // builds the index before copying

        var copy = serializer.Deserialize<RuleSet>(serializer.SerializeToArray(set))!;

        copy.Should().NotBeSameAs(set);
        copy.Should().Be(set);
        copy.GetHashCode().Should().Be(set.GetHashCode());
        copy.Resolve("u-7", null, "drink-3", "drinks").Should().Be(set.Resolve("u-7", null, "drink-3", "drinks"));
        copy.ArmBModel.Should().Be("v2");
    }

    [Fact]
    public void ACopyWithOtherEntriesDoesNotReuseTheOldIndex()
    {
        var set = RuleSet.Defaults.Set(RuleKeys.CapDay, RuleScope.Global, "2");
        set.Resolve("u", null, "i", "c").CapDay.Should().Be(2);

        var copy = set with { Entries = [new RuleEntry(RuleKeys.CapDay, RuleScope.Global, "5")] };

        copy.Resolve("u", null, "i", "c").CapDay.Should().Be(5);
        copy.Should().NotBe(set);
    }

    [Fact]
    public void DamagedStoredEntriesFallBackToTheDefaultInsteadOfThrowing()
    {
        var damaged = new RuleSet(7,
        [
            new RuleEntry(RuleKeys.CapDay, RuleScope.Global, "lots"),
            new RuleEntry("no.such.key", RuleScope.Global, "1"),
            new RuleEntry(RuleKeys.AbShare, RuleScope.ForUser("u-7"), "1"),
            null!,
            new RuleEntry(RuleKeys.CapWeek, RuleScope.Global, "4"),
        ], DateTimeOffset.UnixEpoch);

        var rules = damaged.Resolve("u-7", null, "i", "c");

        rules.CapDay.Should().Be(3);
        rules.CapWeek.Should().Be(4);
        damaged.ArmOf("u-7").Should().Be("a");
    }
}
