using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orleans.TestingHost;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class UserStateGrainTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SeveralDevicesOfOneUserUpdateOneFilter()
    {
        await fixture.RegisterAsync("multi-watch", "multi-u1", "watch");
        await fixture.RegisterAsync("multi-strap", "multi-u1", "chest-strap");
        await fixture.RegisterAsync("single-watch", "multi-u2", "watch");

        for (var i = 0; i < 20; i++)
        {
            var t = T0.AddSeconds(i * 2);
            await fixture.Grains.IngestAsync(fixture.Grains.GetGrain<IDeviceGrain>("multi-watch"), [Readings.Hr(i + 1, t, 100)]);
            await fixture.Grains.IngestAsync(fixture.Grains.GetGrain<IDeviceGrain>("multi-strap"), [Readings.Hr(i + 1, t.AddSeconds(1), 100)]);
            await fixture.Grains.IngestAsync(fixture.Grains.GetGrain<IDeviceGrain>("single-watch"), [Readings.Hr(i + 1, t, 100)]);
        }

        var fused = await fixture.Grains.GetGrain<IUserStateGrain>("multi-u1").GetSnapshotAsync();
        var single = await fixture.Grains.GetGrain<IUserStateGrain>("multi-u2").GetSnapshotAsync();
        fused.ReadingsApplied.Should().Be(40);
        fused.Devices.Select(d => d.DeviceId).Should().BeEquivalentTo(["multi-watch", "multi-strap"]);
        fused.Estimate.Hr.Value.Should().BeApproximately(100, 1.0);
        fused.Estimate.Hr.Std.Should().BeLessThan(single.Estimate.Hr.Std!.Value,
            "a chest strap and a watch together know the heart rate better than a watch alone");
    }

    [Fact]
    public async Task UnknownEstimatesAreNullNotMadeUp()
    {
        await fixture.Grains.GetGrain<IUserStateGrain>("fresh-u1").SetProfileAsync(new UserProfile(30, "Europe/Amsterdam", "runners"));

        var snapshot = await fixture.Grains.GetGrain<IUserStateGrain>("fresh-u1").GetSnapshotAsync();

        snapshot.Label.Should().Be("unknown");
        snapshot.Estimate.Hr.Value.Should().BeNull();
        snapshot.Estimate.Position.Lat.Should().BeNull();
        snapshot.Features.Should().OnlyContain(f => f.Value == null);
        snapshot.Age.Should().Be(30);
        snapshot.TimeZone.Should().Be("Europe/Amsterdam");
    }

    [Fact]
    public async Task CheckpointAndReactivationRestoreTheFilter()
    {
        await fixture.RegisterAsync("ckpt-d1", "ckpt-u1");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("ckpt-d1");
        var readings = Enumerable.Range(0, ClusterFixture.Burst)
            .Select(i => new Reading(i + 1, T0.AddSeconds(i).UtcTicks, 70 + i * 0.5, 1.0 + i * 0.01, double.NaN, 0.5, 52.37 + i * 1e-5, 4.89))
            .ToArray();
        (await fixture.Grains.IngestAsync(device, readings)).Accepted.Should().Be(ClusterFixture.Burst);
        var user = fixture.Grains.GetGrain<IUserStateGrain>("ckpt-u1");
        var before = await user.GetSnapshotAsync();

        await DeactivateAsync(user);
        await DeactivateAsync(device);
        var after = await user.GetSnapshotAsync();

        before.LastReadings.Should().NotBeEmpty();
        after.LastReadings.Should().BeEmpty("recent readings live only in memory, so this is a new activation");
        after.LastCheckpointAt.Should().NotBeNull();
        after.ReadingsApplied.Should().Be(ClusterFixture.Burst);
        after.Estimate.Should().BeEquivalentTo(before.Estimate, "the filter state is restored exactly from the checkpoint");
        after.Label.Should().Be(before.Label);
        (await device.GetInfoAsync())!.LastSeq.Should().Be(ClusterFixture.Burst, "the dedupe position is checkpointed too");
        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(1)); // refill the rate limit
        (await fixture.Grains.IngestAsync(device, readings[^5..])).Duplicates.Should().Be(5);
    }

    [Fact]
    public async Task ADirtyFilterIsWrittenWithinTheIntervalWithoutAnyFurtherCall()
    {
        await fixture.RegisterAsync("ckpt-d2", "ckpt-u2");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("ckpt-d2");
        var scheduler = fixture.Cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<CheckpointScheduler>()).First();

        (await fixture.Grains.IngestAsync(device, Readings.Resting(1, T0, 3))).Accepted.Should().Be(3);
        (await StoredAsync("ckpt-u2")).ReadingsApplied.Should().Be(0, "nothing is written per reading");

        // Nothing calls the user grain from here: the silo's scheduler asks it to write once the (fake) clock passes
        // the interval (200 ms here). The clock moves one scheduler tick per round; storage is read directly.
        await Poll.UntilAsync(async () =>
        {
            ClusterFixture.Time.Advance(scheduler.Tick);
            return (await StoredAsync("ckpt-u2")).ReadingsApplied == 3;
        }, "the scheduler should have the filter written");
        (await StoredAsync("ckpt-u2")).CheckpointUtcTicks.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task AReadingAfterTheFilterWasDirtyForAboutTheIntervalWritesItInItsOwnTurn()
    {
        await fixture.RegisterAsync("ckpt-d3", "ckpt-u3");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("ckpt-d3");
        (await fixture.Grains.IngestAsync(device, Readings.Resting(1, T0, 3))).Accepted.Should().Be(3);

        // Past the interval less one tick (150 ms), before the scheduler's 200 ms: the next call writes, not the scheduler.
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(175));
        (await StoredAsync("ckpt-u3")).ReadingsApplied.Should().Be(0);
        (await fixture.Grains.IngestAsync(device, Readings.Resting(4, T0.AddSeconds(3), 3))).Accepted.Should().Be(3);

        var stored = await StoredAsync("ckpt-u3");
        stored.ReadingsApplied.Should().Be(6, "the second message's turn wrote the checkpoint, before it was acknowledged");
        stored.CheckpointUtcTicks.Should().Be(ClusterFixture.Time.GetUtcNow().UtcTicks);
    }

    [Fact]
    public async Task ACheckpointRefusedAsStaleLeavesTheOtherWriteAndTheNextActivationReadsIt()
    {
        await fixture.RegisterAsync("ckpt-d4", "ckpt-u4");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("ckpt-d4");
        var user = fixture.Grains.GetGrain<IUserStateGrain>("ckpt-u4");
        (await fixture.Grains.IngestAsync(device, Readings.Resting(1, T0, 3))).Accepted.Should().Be(3);
        // Another writer stores the user's state behind this activation's back (a second activation while a silo shuts
        // down, decisions.md 105): the activation's ETag is now stale.
        var other = new GrainState<UserState>();
        await Storage().ReadStateAsync(UserStateGrain.StateName, user.GetGrainId(), other);
        other.State!.ReadingsApplied = 1000;
        await Storage().WriteStateAsync(UserStateGrain.StateName, user.GetGrainId(), other);

        // Past the interval less one tick (150 ms), before the scheduler's 200 ms: the next message's turn writes the
        // checkpoint, and the version check refuses it.
        ClusterFixture.Time.Advance(TimeSpan.FromMilliseconds(175));
        (await fixture.Grains.IngestAsync(device, Readings.Resting(4, T0.AddSeconds(3), 3))).Accepted.Should().Be(3);

        (await StoredAsync("ckpt-u4")).ReadingsApplied.Should().Be(1000, "the other write stands");
        await Poll.UntilAsync(async () => (await user.GetSnapshotAsync()).ReadingsApplied == 1000,
            "the refused activation should deactivate and the next one read the stored state");
    }

    /// <summary>The user's state as grain storage holds it (read from the storage, not through the user's grain).</summary>
    private async Task<UserState> StoredAsync(string userId)
    {
        var state = new GrainState<UserState>();
        await Storage().ReadStateAsync(UserStateGrain.StateName, fixture.Grains.GetGrain<IUserStateGrain>(userId).GetGrainId(), state);
        return state.State!;
    }

    private IGrainStorage Storage() => fixture.Cluster.Silos.Cast<InProcessSiloHandle>().First().SiloHost.Services
        .GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);

    /// <summary>Deactivates one grain (its OnDeactivateAsync checkpoints); the next call reactivates it from storage.</summary>
    private static async Task DeactivateAsync(IAddressable grain) =>
        await grain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
}
