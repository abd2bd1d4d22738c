using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary><see cref="IRuleStore"/>, the same tests on SQLite and PostgreSQL.</summary>
public abstract class RuleStoreTests<TBackend> : StoreSuite<TBackend> where TBackend : IStoreBackend, new()
{
    protected override string Prefix => "rules";

    private IRuleStore Rules => Stores.Rules;

    [Fact]
    public async Task TheLatestRuleSetIsReadBackAndSurvivesAReopen()
    {
        (await Rules.ReadLatestRulesAsync()).Should().BeNull();
        var changed = new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);
        var v1 = new RuleSet(1, [new RuleEntry("osr.threshold", RuleScope.Global, "0.8")], changed);
        var v2 = new RuleSet(2, [
            new RuleEntry("osr.threshold", RuleScope.Global, "0.8"),
            new RuleEntry("cap.day", RuleScope.ForSegment("powerlifting"), "2"),
            new RuleEntry("optout", RuleScope.ForUserCategory("u-7", "drinks"), "category"),
        ], changed.AddMinutes(5));

        await Rules.SaveRulesAsync(v2);
        await Rules.SaveRulesAsync(v1);
        await Rules.SaveRulesAsync(v2 with { Entries = [] });
        await ReopenAsync();
        var latest = await Rules.ReadLatestRulesAsync();

        latest.Should().NotBeNull();
        latest!.Version.Should().Be(2);
        latest.ChangedAt.Should().Be(v2.ChangedAt);
        latest.Entries.Should().Equal(v2.Entries);
        latest.Should().Be(v2);
    }

    [Fact]
    public async Task RuleVersionsSavedConcurrentlyAreEachStoredOnce()
    {
        var changed = new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);
        await Task.WhenAll(Enumerable.Range(1, 20).SelectMany(v => new[]
        {
            Rules.SaveRulesAsync(new RuleSet(v, [new RuleEntry("cap.day", RuleScope.Global, v.ToString(System.Globalization.CultureInfo.InvariantCulture))], changed)),
            Rules.SaveRulesAsync(new RuleSet(v, [], changed)),
        }));

        var latest = await Rules.ReadLatestRulesAsync();

        latest!.Version.Should().Be(20);
    }
}

public sealed class SqliteRuleStoreTests : RuleStoreTests<SqliteBackend>;

public sealed class PostgreSqlRuleStoreTests : RuleStoreTests<PostgreSqlBackend>;
