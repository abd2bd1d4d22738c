using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.IntegrationTests.Durability;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Scoring;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>
/// Admin changes kept in grain state carry their audit entry in the same state write (src/Grains/Admin/AuditOutbox.cs), on a
/// real silo with SQLite and with PostgreSQL storage: whoever calls the owning grain is recorded; when the audit log refuses
/// the entry, the change stands with its entry, and the entry reaches the log exactly once — by the active grain's retry, or
/// when the grain is next activated after a restart.
/// </summary>
public sealed class AuditOutboxTests
{
    public static TheoryData<string> Modes => new() { "Sqlite", "AdoNet" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task AChangeMadeDirectlyOnTheOwningGrainIsAuditedUnderTheCallersName(string mode)
    {
        var settings = await SettingsAsync(mode);
        await using var silo = await InProcessSilo.StartAsync(settings);

        RequestContext.Set(AdminIdentity.RequestKey, "os:carol@ops");
        try
        {
            (await silo.Grains.GetGrain<IDeviceGrain>("ob-d0").RegisterAsync("ob-u0", "watch")).Ok.Should().BeTrue();
            (await silo.Grains.GetGrain<IDeviceGrain>("ob-d0").RevokeAsync()).Should().BeTrue();
        }
        finally
        {
            RequestContext.Clear();
        }

        var audit = await ReadAuditAsync(silo);
        audit.Select(e => (e.Action, e.Target, e.Who)).Should().Equal(
            (AuditActions.DevicesRegister, "ob-d0", "os:carol@ops"), (AuditActions.DevicesRevoke, "ob-d0", "os:carol@ops"));
        audit.Should().AllSatisfy(e => e.ChangeId.Should().NotBeNullOrEmpty());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task WhenTheAuditLogRefusesTheChangeStandsAndItsEntryArrivesOnceTheLogIsBack(string mode)
    {
        var settings = await SettingsAsync(mode);
        await using var silo = await InProcessSilo.StartAsync(settings);
        var device = silo.Grains.GetGrain<IDeviceAdminGrain>("ob-d1");
        (await device.RegisterAsync("ob-u1", "watch", imported: false)).Ok.Should().BeTrue();

        await HideAuditTableAsync(mode, settings, hide: true);
        (await device.RevokeAsync()).Should().BeTrue("the change is stored with its entry; the copy to the trail waits");
        (await silo.Grains.GetGrain<IDeviceGrain>("ob-d1").GetInfoAsync())!.Revoked.Should().BeTrue();
        await HideAuditTableAsync(mode, settings, hide: false);

        // The active grain retries on its timer.
        await Poll.UntilAsync(async () => (await ReadAuditAsync(silo)).Length == 2, "the revoke's entry reaches the trail", TimeSpan.FromSeconds(60));
        (await device.RegisterAsync("ob-u1", "watch", imported: false)).Ok.Should().BeTrue();

        var audit = await ReadAuditAsync(silo);
        audit.Select(e => e.Action).Should().Equal(AuditActions.DevicesRegister, AuditActions.DevicesRevoke, AuditActions.DevicesRegister);
        audit[1].After.Should().Contain("\"revoked\":true");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task AnEntryLeftWithItsChangeIsDeliveredOnceWhenTheGrainIsActivatedAgainAfterARestart(string mode)
    {
        var settings = await SettingsAsync(mode);
        settings["Osr:Data:Path"] = TempDirectory.Create("osr-data");
        var profile = new UserProfile(41, "Europe/Berlin", "runners");
        await using (var silo = await InProcessSilo.StartAsync(settings))
        {
            (await silo.Grains.GetGrain<IDeviceAdminGrain>("ob-d2").RegisterAsync("ob-u2", "watch", imported: true)).Ok.Should().BeTrue();
            await HideAuditTableAsync(mode, settings, hide: true);
            (await silo.Grains.GetGrain<IDeviceAdminGrain>("ob-d2").RevokeAsync()).Should().BeTrue();
            await silo.Grains.GetGrain<IUserAdminGrain>("ob-u9").ImportProfileAsync(profile);
        }
        // The silo stopped with both entries still in the grains' state.
        await HideAuditTableAsync(mode, settings, hide: false);

        await using (var silo = await InProcessSilo.StartAsync(settings))
        {
            (await ReadAuditAsync(silo)).Select(e => e.Action).Should().Equal(AuditActions.DevicesImport);
            // Activating the grains delivers what their state still holds, before they answer.
            (await silo.Grains.GetGrain<IDeviceGrain>("ob-d2").GetInfoAsync())!.Revoked.Should().BeTrue();
            (await silo.Grains.GetGrain<IUserStateGrain>("ob-u9").GetFootprintAsync()).Known.Should().BeTrue();

            var audit = await ReadAuditAsync(silo);
            audit.Select(e => (e.Action, e.Target)).Should().Equal(
                (AuditActions.DevicesImport, "ob-d2"), (AuditActions.DevicesRevoke, "ob-d2"), (AuditActions.UsersImport, "ob-u9"));
            audit[2].After.Should().Contain("Europe/Berlin");
        }

        // A third start delivers nothing twice: the entries left the grains' state once the log had them.
        await using (var silo = await InProcessSilo.StartAsync(settings))
        {
            await silo.Grains.GetGrain<IDeviceGrain>("ob-d2").GetInfoAsync();
            await silo.Grains.GetGrain<IUserStateGrain>("ob-u9").GetFootprintAsync();
            (await ReadAuditAsync(silo)).Should().HaveCount(3);
        }
    }

    [Fact]
    public async Task APromotionOrRollbackIsStoredWithItsEntryInTheModelPointerAndDeliveredAfterARestart()
    {
        var settings = await SettingsAsync("Sqlite");
        settings["Osr:Models:Path"] = TempDirectory.Create("osr-models");
        await using (var silo = await InProcessSilo.StartAsync(settings))
        {
            var repository = silo.Services.GetRequiredService<ModelRepository>();
            foreach (var version in new[] { "p-1", "p-2" })
                await repository.SavePropensityAsync(PropensityModel.FromManifest(PropensityModel.Prior.Manifest with { Version = version, Trainer = "test" }));
            var models = silo.Grains.GetGrain<IModelAdminGrain>(GrainKeys.Global);
            (await models.PromoteAsync("propensity", "p-1")).Ok.Should().BeTrue();
            (await models.PromoteAsync("propensity", "p-2")).Ok.Should().BeTrue();
            await HideAuditTableAsync("Sqlite", settings, hide: true);
            (await models.RollbackAsync("propensity")).ActiveVersion.Should().Be("p-1");
        }
        await HideAuditTableAsync("Sqlite", settings, hide: false);

        await using (var silo = await InProcessSilo.StartAsync(settings))
        {
            (await silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global).GetActiveAsync("propensity")).Should().Be("p-1");

            var audit = await ReadAuditAsync(silo);
            audit.Select(e => e.Action).Should().Equal(AuditActions.ModelPromote, AuditActions.ModelPromote, AuditActions.ModelRollback);
            audit[2].Before.Should().Contain("p-2");
            audit[2].After.Should().Contain("p-1");
        }
    }

    private static async Task<Dictionary<string, string?>> SettingsAsync(string mode) => mode == "AdoNet"
        ? PostgresGrainStorageTests.AdoNet(await OrleansPostgresSchema.CreateDatabaseAsync("osr_outbox"))
        : new Dictionary<string, string?> { ["Osr:Data:Path"] = TempDirectory.Create("osr-data") };

    private static async Task<AuditEntry[]> ReadAuditAsync(InProcessSilo silo) =>
        await silo.Grains.GetGrain<IAuditGrain>(GrainKeys.Global).ReadAsync(null, 100);

    /// <summary>Renames the audit table away (every append fails) or back, from outside the silo.</summary>
    private static async Task HideAuditTableAsync(string mode, Dictionary<string, string?> settings, bool hide)
    {
        if (mode == "AdoNet")
        {
            await using var pg = new NpgsqlConnection(settings["Osr:Storage:ConnectionString"]);
            await pg.OpenAsync();
            await using var command = new NpgsqlCommand(hide ? "ALTER TABLE osr_audit RENAME TO osr_audit_away" : "ALTER TABLE osr_audit_away RENAME TO osr_audit", pg);
            await command.ExecuteNonQueryAsync();
            return;
        }
        await using var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(settings["Osr:Data:Path"]!, "events.db"), Pooling = false }.ToString());
        await sqlite.OpenAsync();
        await using var rename = sqlite.CreateCommand();
        rename.CommandText = hide ? "ALTER TABLE audit RENAME TO audit_away" : "ALTER TABLE audit_away RENAME TO audit";
        await rename.ExecuteNonQueryAsync();
    }
}
