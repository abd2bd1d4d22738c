using Orleans.Core.Internal;
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
    public async Task FilterIsCheckpointedWithinTheIntervalWithoutDeactivation()
    {
        await fixture.RegisterAsync("ckpt-d2", "ckpt-u2");
        var user = fixture.Grains.GetGrain<IUserStateGrain>("ckpt-u2");
        var registeredAt = (await user.GetSnapshotAsync()).LastCheckpointAt;

        await fixture.Grains.IngestAsync(fixture.Grains.GetGrain<IDeviceGrain>("ckpt-d2"), Readings.Resting(1, T0, 3));

        // The checkpoint timer (200 ms here) runs on Orleans' own clock: poll for its effect.
        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(1));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        DateTimeOffset? checkpoint;
        do
        {
            checkpoint = (await user.GetSnapshotAsync()).LastCheckpointAt;
            if (checkpoint > registeredAt) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        checkpoint.Should().BeAfter(registeredAt!.Value);
    }

    /// <summary>Deactivates one grain (its OnDeactivateAsync checkpoints); the next call reactivates it from storage.</summary>
    private static async Task DeactivateAsync(IAddressable grain) =>
        await grain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
}
