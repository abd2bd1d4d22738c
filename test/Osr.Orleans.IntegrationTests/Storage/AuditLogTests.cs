using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary><see cref="IAuditLog"/> and the rule store's audited writes, the same tests on SQLite and PostgreSQL.</summary>
public abstract class AuditLogTests<TBackend> : StoreSuite<TBackend> where TBackend : IStoreBackend, new()
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    protected override string Prefix => "audit";

    private IAuditLog Audit => Stores.Audit;

    private static AuditEntry Entry(int minute, string action, string target, string? user = null, string? before = null, string? after = null) =>
        new(0, T0.AddMinutes(minute), "cert:CN=alice", action, target, user, before, after);

    [Fact]
    public async Task EntriesAreReadBackOldestFirstFromSinceAndSurviveAReopen()
    {
        await Audit.AppendAsync(Entry(0, AuditActions.DevicesRegister, "d-1", "u-1", null, """{"userId":"u-1"}"""));
        await Audit.AppendAsync(Entry(5, AuditActions.ModelPromote, "als", null, """{"active":"v1"}""", """{"active":"v2"}"""));
        await Audit.AppendAsync(Entry(10, AuditActions.DevicesRevoke, "d-1", "u-1"));
        await ReopenAsync();

        var all = await Audit.ReadAsync(null, 100);
        var since = await Audit.ReadAsync(T0.AddMinutes(5), 100);
        var limited = await Audit.ReadAsync(null, 2);

        all.Select(e => e.Action).Should().Equal(AuditActions.DevicesRegister, AuditActions.ModelPromote, AuditActions.DevicesRevoke);
        all.Select(e => e.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        all[1].Should().Be(Entry(5, AuditActions.ModelPromote, "als", null, """{"active":"v1"}""", """{"active":"v2"}""") with { Id = all[1].Id });
        all[0].At.Should().Be(T0);
        since.Select(e => e.Target).Should().Equal("als", "d-1");
        limited.Should().HaveCount(2);
    }

    [Fact]
    public async Task ARuleVersionAndItsAuditEntryAreStoredTogetherAndOnlyOnce()
    {
        var v1 = new RuleSet(1, [new RuleEntry("cap.day", RuleScope.Global, "2")], T0);
        var entry = RuleAudit.Change(RuleSet.Defaults, v1, "cap.day", RuleScope.Global, "os:bob@box", v1.ChangedAt);

        await Stores.Rules.SaveRulesAsync(v1, entry);
        // The same version again (a retried write) stores neither a second version nor a second entry.
        await Stores.Rules.SaveRulesAsync(v1, entry);

        (await Stores.Rules.ReadLatestRulesAsync()).Should().Be(v1);
        var audit = await Audit.ReadAsync(null, 10);
        audit.Should().ContainSingle();
        audit[0].Should().Be(entry with { Id = audit[0].Id });
    }

    [Fact]
    public async Task AnEntryCopiedTwiceUnderOneChangeIdIsStoredOnce()
    {
        // The outbox copies an entry again when a crash came between the copy and the state write that clears it.
        var change = Entry(0, AuditActions.DevicesRevoke, "d-1", "u-1", """{"revoked":false}""", """{"revoked":true}""") with { ChangeId = "c-1" };
        var other = Entry(1, AuditActions.DevicesRevoke, "d-2", "u-1") with { ChangeId = "c-2" };

        await Audit.AppendAsync(change);
        await Audit.AppendAsync(change);
        await Audit.AppendAsync(other);
        // Entries without a change id (none is needed where the change and its entry share a transaction) are never merged.
        await Audit.AppendAsync(Entry(2, AuditActions.ModelTrain, "als"));
        await Audit.AppendAsync(Entry(2, AuditActions.ModelTrain, "als"));

        var entries = await Audit.ReadAsync(null, 10);
        entries.Select(e => e.ChangeId).Should().Equal("c-1", "c-2", null, null);
        entries[0].Should().Be(change with { Id = entries[0].Id });
    }

    [Fact]
    public async Task AnErasuresOwnEntryIsAppendedWithTheRedactionAndNotCounted()
    {
        await Audit.AppendAsync(Entry(0, AuditActions.UsersImport, "u-1", "u-1", null, """{"segment":"runners"}"""));
        var record = Entry(3, AuditActions.UsersForget, AuditRecords.ErasedTarget, null, null, """{"devices":1}""") with { ChangeId = "forget-1" };

        var redacted = await Audit.ForgetUserAsync("u-1", record);

        redacted.Should().Be(1);
        var entries = await Audit.ReadAsync(null, 10);
        entries.Select(e => e.Action).Should().Equal(AuditActions.UsersImport, AuditActions.UsersForget);
        entries[0].Target.Should().Be(AuditRecords.ErasedTarget);
        entries[1].Should().Be(record with { Id = entries[1].Id });
    }

    [Fact]
    public async Task ARetriedErasuresEntryIsAppendedOnlyIfTheTrailStillNamesTheUser()
    {
        var record = Entry(3, AuditActions.UsersForget, AuditRecords.ErasedTarget) with { ChangeId = "forget-2" };

        // Nothing names u-5: a retry with nothing left adds no entry.
        (await Audit.ForgetUserAsync("u-5", record, recordOnlyIfNamed: true)).Should().Be(0);
        (await Audit.ReadAsync(null, 10)).Should().BeEmpty();

        // A device entry of another user still names u-5 in its before: the erasure is recorded with its redaction.
        await Audit.AppendAsync(Entry(1, AuditActions.DevicesRegister, "d-3", "u-6", """{"userId":"u-5"}""", """{"userId":"u-6"}"""));
        (await Audit.ForgetUserAsync("u-5", record, recordOnlyIfNamed: true)).Should().Be(1);
        (await Audit.ReadAsync(null, 10)).Select(e => e.Action).Should().Equal(AuditActions.DevicesRegister, AuditActions.UsersForget);
    }

    [Fact]
    public async Task ForgettingAUserRedactsItsEntriesAndKeepsWhoAndWhen()
    {
        await Audit.AppendAsync(Entry(0, AuditActions.UsersImport, "u-1", "u-1", null, """{"segment":"runners"}"""));
        await Audit.AppendAsync(Entry(1, AuditActions.DevicesRegister, "d-7", "u-1", null, """{"userId":"u-1"}"""));
        await Audit.AppendAsync(Entry(2, AuditActions.DevicesRegister, "d-8", "u-2", null, """{"userId":"u-2"}"""));

        var redacted = await Audit.ForgetUserAsync("u-1", null);
        var again = await Audit.ForgetUserAsync("u-1", null);

        redacted.Should().Be(2);
        again.Should().Be(0);
        var entries = await Audit.ReadAsync(null, 10);
        entries.Should().HaveCount(3);
        entries.Take(2).Should().AllSatisfy(e =>
        {
            e.Who.Should().Be("cert:CN=alice");
            e.Target.Should().Be(AuditRecords.ErasedTarget);
            e.User.Should().BeNull();
            e.Before.Should().BeNull();
            e.After.Should().BeNull();
        });
        entries.Select(e => e.Action).Should().Equal(AuditActions.UsersImport, AuditActions.DevicesRegister, AuditActions.DevicesRegister);
        string.Concat(entries.Take(2).Select(e => e.Target + e.Before + e.After)).Should().NotContain("u-1").And.NotContain("d-7");
        entries[2].Should().Be(Entry(2, AuditActions.DevicesRegister, "d-8", "u-2", null, """{"userId":"u-2"}""") with { Id = entries[2].Id });
    }

    [Fact]
    public async Task ForgettingAUserRemovesItsIdFromEntriesOfAnotherUser()
    {
        // d-7 moved from u-1 to u-2: the entry concerns u-2, its before still names u-1.
        await Audit.AppendAsync(Entry(0, AuditActions.DevicesRegister, "d-7", "u-2",
            """{"userId":"u-1","kind":"watch"}""", """{"userId":"u-2","kind":"watch"}"""));
        await Audit.AppendAsync(Entry(1, AuditActions.DevicesRevoke, "d-9", "u-3", """{"userId":"u-3"}""", """{"userId":"u-3"}"""));

        var redacted = await Audit.ForgetUserAsync("u-1", null);

        redacted.Should().Be(1);
        var entries = await Audit.ReadAsync(null, 10);
        string.Concat(entries.Select(e => e.Target + e.User + e.Before + e.After)).Should().NotContain("u-1");
        entries[0].Should().Be(Entry(0, AuditActions.DevicesRegister, "d-7", "u-2", null, """{"userId":"u-2","kind":"watch"}""") with { Id = entries[0].Id });
        entries[1].Should().Be(Entry(1, AuditActions.DevicesRevoke, "d-9", "u-3", """{"userId":"u-3"}""", """{"userId":"u-3"}""") with { Id = entries[1].Id });
    }
}

public sealed class SqliteAuditLogTests : AuditLogTests<SqliteBackend>;

public sealed class PostgreSqlAuditLogTests : AuditLogTests<PostgreSqlBackend>;
