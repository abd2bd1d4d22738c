using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Durability;

/// <summary>
/// What the silo needs of Orleans' ADO.NET grain storage and reminder table, on the project's own
/// SQL: run through the real providers of a real silo (not the SQL by hand), once on the embedded
/// SQLite file (<see cref="SqliteGrainStorageTests"/>) and once on PostgreSQL
/// (<see cref="PostgresGrainStorageTests"/>).
/// </summary>
public abstract class GrainStorageContractTests
{
    private const string GrainType = "osr.test-state";

    private protected abstract InProcessSilo Silo { get; }

    private IGrainStorage Storage => Silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);

    private IReminderTable Reminders => Silo.Services.GetRequiredService<IReminderTable>();

    private static GrainId NewKey() => GrainId.Create("osr-test", Guid.NewGuid().ToString("N"));

    private static StatsState State(long value) => new() { Totals = new() { ["n"] = value }, Since = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) };

    [Fact]
    public async Task AStateNeverWrittenReadsAsDefaultWithoutETag()
    {
        var state = new GrainState<StatsState>();

        await Storage.ReadStateAsync(GrainType, NewKey(), state);

        state.RecordExists.Should().BeFalse();
        state.ETag.Should().BeNull();
        state.State!.Totals.Should().BeEmpty();
    }

    [Fact]
    public async Task WrittenStateIsReadBackWithItsETag()
    {
        var key = NewKey();
        var written = new GrainState<StatsState>(State(42));
        await Storage.WriteStateAsync(GrainType, key, written);
        written.State!.Totals["n"] = 43;
        await Storage.WriteStateAsync(GrainType, key, written);

        var read = new GrainState<StatsState>();
        await Storage.ReadStateAsync(GrainType, key, read);

        read.RecordExists.Should().BeTrue();
        read.ETag.Should().Be("2").And.Be(written.ETag);
        read.State!.Totals.Should().Equal(new Dictionary<string, long> { ["n"] = 43 });
        read.State!.Since.Should().Be(written.State!.Since);
    }

    [Fact]
    public async Task AWriteWithAStaleETagIsAConflictAndChangesNothing()
    {
        var key = NewKey();
        await Storage.WriteStateAsync(GrainType, key, new GrainState<StatsState>(State(1)));
        var first = new GrainState<StatsState>();
        var second = new GrainState<StatsState>();
        await Storage.ReadStateAsync(GrainType, key, first);
        await Storage.ReadStateAsync(GrainType, key, second);

        first.State!.Totals["n"] = 2;
        await Storage.WriteStateAsync(GrainType, key, first);
        second.State!.Totals["n"] = 3;
        var stale = () => Storage.WriteStateAsync(GrainType, key, second);

        await stale.Should().ThrowAsync<InconsistentStateException>();
        var read = new GrainState<StatsState>();
        await Storage.ReadStateAsync(GrainType, key, read);
        read.State!.Totals["n"].Should().Be(2);
        read.ETag.Should().Be(first.ETag);
    }

    [Fact]
    public async Task TwoFirstWritesOfOneGrainConflict()
    {
        var key = NewKey();
        await Storage.WriteStateAsync(GrainType, key, new GrainState<StatsState>(State(1)));

        var late = () => Storage.WriteStateAsync(GrainType, key, new GrainState<StatsState>(State(2)));

        await late.Should().ThrowAsync<InconsistentStateException>();
    }

    /// <summary>A cleared state leaves no row (DeleteStateOnClear, for <c>users forget</c>): it reads as never written and starts again.</summary>
    [Fact]
    public async Task ClearDeletesTheStateWhichThenReadsAsNeverWrittenAndStartsAgain()
    {
        var key = NewKey();
        var state = new GrainState<StatsState>(State(7));
        await Storage.WriteStateAsync(GrainType, key, state);

        await Storage.ClearStateAsync(GrainType, key, state);
        var read = new GrainState<StatsState>();
        await Storage.ReadStateAsync(GrainType, key, read);

        state.ETag.Should().BeNull();
        state.RecordExists.Should().BeFalse();
        read.RecordExists.Should().BeFalse();
        read.ETag.Should().BeNull();
        read.State!.Totals.Should().BeEmpty();
        read.State = State(8);
        await Storage.WriteStateAsync(GrainType, key, read);
        read.ETag.Should().Be("1");
    }

    [Fact]
    public async Task ClearingAStateThatWasReadBeforeAnotherWriteIsAConflict()
    {
        var key = NewKey();
        var first = new GrainState<StatsState>(State(1));
        await Storage.WriteStateAsync(GrainType, key, first);
        var stale = new GrainState<StatsState>();
        await Storage.ReadStateAsync(GrainType, key, stale);
        await Storage.WriteStateAsync(GrainType, key, first);

        var clear = () => Storage.ClearStateAsync(GrainType, key, stale);

        await clear.Should().ThrowAsync<InconsistentStateException>();
        var read = new GrainState<StatsState>();
        await Storage.ReadStateAsync(GrainType, key, read);
        read.RecordExists.Should().BeTrue("a stale clear deletes nothing");
    }

    [Fact]
    public async Task ARemindersIsRegisteredReadByGrainAndRangeAndRemovedByETag()
    {
        var grain = NewKey();
        var start = new DateTime(2026, 12, 5, 3, 0, 0, DateTimeKind.Utc);
        var etag = await Reminders.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = start, Period = TimeSpan.FromHours(24) });
        var changed = await Reminders.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = start, Period = TimeSpan.FromHours(12) });

        var row = await Reminders.ReadRow(grain, "r");
        row.Should().NotBeNull();
        row!.Period.Should().Be(TimeSpan.FromHours(12));
        row.StartAt.ToUniversalTime().Should().Be(start);
        row.ETag.Should().Be(changed).And.NotBe(etag);
        (await Reminders.ReadRows(grain)).Reminders.Should().ContainSingle(r => r.ReminderName == "r");

        var hash = grain.GetUniformHashCode();
        var around = await Reminders.ReadRows(unchecked(hash - 1), hash);      // (h-1, h]
        var wrapped = await Reminders.ReadRows(unchecked(hash + 1), hash);     // the whole ring but (h, h+1]
        var beside = await Reminders.ReadRows(hash, unchecked(hash + 1000));   // (h, h+1000]
        if (unchecked((int)(hash - 1)) < unchecked((int)hash)) around.Reminders.Should().Contain(r => r.GrainId == grain);
        wrapped.Reminders.Should().Contain(r => r.GrainId == grain);
        beside.Reminders.Should().NotContain(r => r.GrainId == grain);

        (await Reminders.RemoveRow(grain, "r", etag!)).Should().BeFalse("the ETag is stale");
        (await Reminders.RemoveRow(grain, "r", changed!)).Should().BeTrue();
        (await Reminders.ReadRow(grain, "r")).Should().BeNull();
    }

    [Fact]
    public async Task TheModelRegistrysRetrainingReminderIsStored()
    {
        await Silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global).GetActiveAsync("als");

        var registry = Silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global).GetGrainId();
        var row = await Poll.ForAsync(() => Reminders.ReadRow(registry, "retrain-als"), r => r is not null, "the retraining reminder is stored");
        row!.Period.Should().Be(TimeSpan.FromDays(1));
    }
}

/// <summary>The embedded mode: grains.db under the silo's data directory.</summary>
public sealed class SqliteGrainStorageTests(SqliteGrainStorageTests.Fixture fixture)
    : GrainStorageContractTests, IClassFixture<SqliteGrainStorageTests.Fixture>
{
    private protected override InProcessSilo Silo => fixture.Silo;

    public sealed class Fixture : IAsyncLifetime
    {
        internal InProcessSilo Silo { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Silo = await InProcessSilo.StartAsync(new Dictionary<string, string?> { ["Osr:Storage:Mode"] = "Sqlite" });

        public async Task DisposeAsync() => await Silo.DisposeAsync();
    }
}

/// <summary>Cluster mode: PostgreSQL with the scripts 0010–0013, membership included.</summary>
public sealed class PostgresGrainStorageTests(PostgresGrainStorageTests.Fixture fixture)
    : GrainStorageContractTests, IClassFixture<PostgresGrainStorageTests.Fixture>
{
    private protected override InProcessSilo Silo => fixture.Silo;

    public sealed class Fixture : IAsyncLifetime
    {
        internal InProcessSilo Silo { get; private set; } = null!;
        internal string ConnectionString { get; private set; } = "";

        public async Task InitializeAsync()
        {
            ConnectionString = await OrleansPostgresSchema.CreateDatabaseAsync("osr_orleans");
            Silo = await InProcessSilo.StartAsync(AdoNet(ConnectionString));
        }

        public async Task DisposeAsync() => await Silo.DisposeAsync();
    }

    internal static Dictionary<string, string?> AdoNet(string connectionString) => new()
    {
        ["Osr:Storage:Mode"] = "AdoNet",
        ["Osr:Storage:ConnectionString"] = connectionString,
        ["Osr:Cluster:Mode"] = "AdoNet",
    };
}
