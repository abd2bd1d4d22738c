using Osr.Orleans.Models.Retention;

namespace Osr.Orleans.UnitTests.Retention;

public class ModelVersionRetentionTests
{
    private static readonly DateTimeOffset Day = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static StoredVersion[] Versions(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new StoredVersion($"v{i:D2}", Day.AddDays(i)))];

    [Fact]
    public void TheNewestVersionsAreKeptAndTheOldestDeleted()
    {
        var plan = ModelVersionRetention.Plan(Versions(6), active: "v06", history: ["v04", "v05"], keep: 3);

        plan.Delete.Should().BeEquivalentTo("v01", "v02", "v03");
        plan.History.Should().Equal("v04", "v05");
    }

    [Fact]
    public void AnOldActiveVersionAndItsRollbackTargetAreKeptWhateverTheirAge()
    {
        // v02 was rolled back to; v01 is what a second roll-back would return to.
        var plan = ModelVersionRetention.Plan(Versions(8), active: "v02", history: ["v07", "v01"], keep: 3);

        plan.Delete.Should().BeEquivalentTo("v03", "v04", "v05", "v06", "v07");
        plan.History.Should().Equal("v01");
    }

    [Fact]
    public void DeletedVersionsLeaveTheRollbackHistory()
    {
        var plan = ModelVersionRetention.Plan(Versions(5), active: "v05", history: ["v01", "v02", "v03", "v04"], keep: 2);

        plan.Delete.Should().BeEquivalentTo("v01", "v02", "v03");
        plan.History.Should().Equal("v04");
    }

    [Fact]
    public void NothingIsDeletedWhenThereAreNoMoreVersionsThanKept()
    {
        var plan = ModelVersionRetention.Plan(Versions(3), active: null, history: [], keep: 3);

        plan.Delete.Should().BeEmpty();
    }

    [Fact]
    public void VersionsCreatedAtTheSameTimeAreOrderedByName()
    {
        StoredVersion[] same = [new("b", Day), new("a", Day), new("c", Day)];

        ModelVersionRetention.Plan(same, active: null, history: [], keep: 2).Delete.Should().Equal("a");
    }

    [Fact]
    public void KeepingFewerThanTheActiveVersionAndItsRollbackTargetIsRefused()
    {
        var plan = () => ModelVersionRetention.Plan(Versions(3), "v03", ["v02"], keep: 1);

        plan.Should().Throw<ArgumentOutOfRangeException>();
    }
}
