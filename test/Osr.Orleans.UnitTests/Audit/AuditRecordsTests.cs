using System.Text.Json;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.UnitTests.Audit;

public sealed class AuditRecordsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 18, 2, 11, TimeSpan.Zero);

    [Fact]
    public void SecretLikePropertiesAreRemovedAtAnyDepth()
    {
        var redacted = AuditRecords.Redact("""{"userId":"u-1","Secret":"s3cr3t","nested":{"password":"p","keep":1,"list":[{"token":"t","ok":true}]},"hash":"h"}""");

        redacted.Should().Be("""{"userId":"u-1","nested":{"keep":1,"list":[{"ok":true}]}}""");
        redacted.Should().NotContainAny("s3cr3t", "\"p\"", "\"t\"");
    }

    [Fact]
    public void RedactingSomethingThatIsNotJsonIsAnError() =>
        FluentActions.Invoking(() => AuditRecords.Redact("{not json")).Should().Throw<JsonException>();

    [Fact]
    public void ADeviceWithANewSecretSaysSoWithoutTheSecret()
    {
        var json = JsonDocument.Parse(AuditRecords.DeviceWithNewSecret("u-1", "watch", false, At)).RootElement;

        json.GetProperty("userId").GetString().Should().Be("u-1");
        json.GetProperty("kind").GetString().Should().Be("watch");
        json.GetProperty("revoked").GetBoolean().Should().BeFalse();
        json.GetProperty("registeredAt").GetString().Should().Be("2026-11-23T18:02:11.0000000Z");
        json.GetProperty("newSecretIssued").GetBoolean().Should().BeTrue();
        json.EnumerateObject().Select(p => p.Name).Should().NotContain(n => AuditRecords.SecretNames.Contains(n));
        json.TryGetProperty("brokerAccount", out _).Should().BeFalse("the silo made the broker account, or there is none");

        var inFile = JsonDocument.Parse(AuditRecords.DeviceWithNewSecret("u-1", "watch", false, At, brokerAccountInFile: true)).RootElement;
        inFile.GetProperty("brokerAccount").GetString().Should().Be("file", "devices import --broker-file: the console wrote the account");
    }

    [Fact]
    public void AnErasureRecordsCountsOnly()
    {
        var json = AuditRecords.Erasure(2, 2, 10, 5, 1, 3);

        json.Should().Be("""{"devices":2,"grainStates":2,"interactions":10,"decisions":5,"feedback":1,"outbox":3}""");
    }

    [Fact]
    public void ARuleChangeRecordsTheOneKeyAndScopeBeforeAndAfter()
    {
        var before = new RuleSet(3, [new RuleEntry("cap.day", RuleScope.Global, "3"), new RuleEntry("optout", RuleScope.ForUser("u-9"), "all")], At);
        var after = new RuleSet(4, [new RuleEntry("cap.day", RuleScope.Global, "2"), new RuleEntry("optout", RuleScope.ForUser("u-9"), "all")], At.AddMinutes(1));

        var entry = RuleAudit.Change(before, after, "cap.day", RuleScope.Global, "cert:CN=alice", at: after.ChangedAt);

        entry.Action.Should().Be(AuditActions.RulesSet);
        entry.Who.Should().Be("cert:CN=alice");
        entry.At.Should().Be(after.ChangedAt);
        entry.User.Should().BeNull();
        entry.Target.Should().Contain("cap.day").And.Contain("v4");
        JsonDocument.Parse(entry.Before!).RootElement.GetProperty("value").GetString().Should().Be("3");
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("value").GetString().Should().Be("2");
        // Only the changed rule: another user's override is not copied into this entry.
        (entry.Before + entry.After).Should().NotContain("u-9");
    }

    [Fact]
    public void AUserScopedRuleChangeConcernsThatUserAndARemovedOverrideIsNull()
    {
        var scope = RuleScope.ForUser("u-9");
        var before = new RuleSet(1, [new RuleEntry("optout", scope, "all")], At);
        var after = new RuleSet(2, [], At.AddMinutes(1));

        var entry = RuleAudit.Change(before, after, "optout", scope, "os:bob@box", after.ChangedAt);

        entry.User.Should().Be("u-9");
        JsonDocument.Parse(entry.Before!).RootElement.GetProperty("value").GetString().Should().Be("all");
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
    }
}
