using Orleans.Core.Internal;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DeviceGrainTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DuplicateSequenceIsAcknowledgedButNotApplied()
    {
        await fixture.RegisterAsync("dup-d1", "dup-u1");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("dup-d1");

        var first = await fixture.Grains.IngestAsync(device, Readings.Resting(1, T0, 5));
        var again = await fixture.Grains.IngestAsync(device, Readings.Resting(1, T0, 5));
        var overlap = await fixture.Grains.IngestAsync(device, Readings.Resting(4, T0.AddSeconds(3), 4)); // seq 4..7: 4,5 dup

        first.Should().Be(new IngestResult(5, 0, 0, RejectReason.None));
        again.Should().Be(new IngestResult(0, 5, 0, RejectReason.None));
        overlap.Should().Be(new IngestResult(2, 2, 0, RejectReason.None));
        var snapshot = await fixture.Grains.GetGrain<IUserStateGrain>("dup-u1").GetSnapshotAsync();
        snapshot.ReadingsApplied.Should().Be(7);
        (await device.GetInfoAsync())!.LastSeq.Should().Be(7);
    }

    [Fact]
    public async Task ReorderedPairIsAppliedOnceEachAndRepeatsOfEitherAreDuplicates()
    {
        await fixture.RegisterAsync("reord-d1", "reord-u1");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("reord-d1");
        var r = Readings.Resting(1, T0, 4);

        var first = await fixture.Grains.IngestAsync(device, [r[0]]);
        var overtaking = await fixture.Grains.IngestAsync(device, [r[2]]); // seq 3 delivered before seq 2 (two silos, one broker)
        var late = await fixture.Grains.IngestAsync(device, [r[1]]);
        var repeats = await fixture.Grains.IngestAsync(device, [r[1], r[2], r[0]]);

        first.Accepted.Should().Be(1);
        overtaking.Should().Be(new IngestResult(1, 0, 0, RejectReason.None));
        late.Should().Be(new IngestResult(1, 0, 0, RejectReason.None), "seq 2 was never seen: inside the window it is fresh");
        repeats.Should().Be(new IngestResult(0, 3, 0, RejectReason.None));
        (await fixture.Grains.GetGrain<IUserStateGrain>("reord-u1").GetSnapshotAsync()).ReadingsApplied.Should().Be(3);
        (await device.GetInfoAsync())!.LastSeq.Should().Be(3);
    }

    [Fact]
    public async Task TheSeqWindowSurvivesReactivationFromTheCheckpoint()
    {
        await fixture.RegisterAsync("reord-d2", "reord-u2");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("reord-d2");
        var user = fixture.Grains.GetGrain<IUserStateGrain>("reord-u2");
        var r = Readings.Resting(1, T0, 4);
        await fixture.Grains.IngestAsync(device, [r[0]]);
        await fixture.Grains.IngestAsync(device, [r[2]]);

        await user.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await device.AsReference<IGrainManagementExtension>().DeactivateOnIdle();

        (await user.GetLastSeqAsync("reord-d2")).Should().Be(3);
        (await fixture.Grains.IngestAsync(device, [r[2]])).Duplicates.Should().Be(1);
        (await fixture.Grains.IngestAsync(device, [r[1]])).Accepted.Should().Be(1);
        (await user.GetSnapshotAsync()).ReadingsApplied.Should().Be(3);
    }

    [Fact]
    public async Task SeqBelowTheWindowIsADuplicate()
    {
        await fixture.RegisterAsync("reord-d3", "reord-u3");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("reord-d3");

        await fixture.Grains.IngestAsync(device, [Readings.Hr(1, T0, 60)]);
        await fixture.Grains.IngestAsync(device, [Readings.Hr(1 + SeqWindow.Size + 1, T0.AddSeconds(2), 61)]);

        (await fixture.Grains.IngestAsync(device, [Readings.Hr(2, T0.AddSeconds(1), 60)])).Should().Be(new IngestResult(0, 1, 0, RejectReason.None));
    }

    [Fact]
    public async Task UnsortedBatchIsAppliedInSequenceOrderWithRepeatsDropped()
    {
        await fixture.RegisterAsync("dup-d2", "dup-u2");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("dup-d2");
        var r = Readings.Resting(10, T0, 4);

        var result = await fixture.Grains.IngestAsync(device, [r[2], r[0], r[3], r[0], r[1]]);

        result.Should().Be(new IngestResult(4, 1, 0, RejectReason.None));
        (await device.GetInfoAsync())!.LastSeq.Should().Be(13);
    }

    [Fact]
    public async Task ReadingsBeyondTheRateLimitAreRefusedWholeAndOtherDevicesAreUnaffected()
    {
        await fixture.RegisterAsync("rate-d1", "rate-u1");
        await fixture.RegisterAsync("rate-d2", "rate-u2");
        var greedy = fixture.Grains.GetGrain<IDeviceGrain>("rate-d1");
        var polite = fixture.Grains.GetGrain<IDeviceGrain>("rate-d2");

        (await fixture.Grains.IngestAsync(greedy, Readings.Resting(1, T0, ClusterFixture.Burst))).Accepted.Should().Be(ClusterFixture.Burst);
        var refused = await fixture.Grains.IngestAsync(greedy, Readings.Resting(100, T0.AddSeconds(30), 5));
        var other = await fixture.Grains.IngestAsync(polite, Readings.Resting(1, T0, 5));

        refused.Should().Be(new IngestResult(0, 0, 0, RejectReason.QuotaExceeded));
        other.Accepted.Should().Be(5);

        ClusterFixture.Time.Advance(TimeSpan.FromSeconds(1)); // refills RatePerSecond tokens
        var afterRefill = await fixture.Grains.IngestAsync(greedy, Readings.Resting(100, T0.AddSeconds(30), ClusterFixture.RatePerSecond));
        afterRefill.Accepted.Should().Be(ClusterFixture.RatePerSecond);
        (await fixture.Grains.IngestAsync(greedy, Readings.Resting(200, T0.AddSeconds(60), 1))).Refused.Should().Be(RejectReason.QuotaExceeded);
        (await fixture.Grains.GetGrain<IUserStateGrain>("rate-u1").GetSnapshotAsync()).ReadingsApplied
            .Should().Be(ClusterFixture.Burst + ClusterFixture.RatePerSecond);
    }

    [Fact]
    public async Task UnregisteredDeviceIsRefused()
    {
        var device = fixture.Grains.GetGrain<IDeviceGrain>("never-registered");

        (await device.GetOwnerAsync()).Should().BeNull("no owner, so no route for its messages");
        (await device.AuthenticateAsync("anything")).Should().BeNull();
        (await fixture.Grains.GetGrain<IUserStateGrain>("never-registered-u").IngestAsync("never-registered", Readings.Resting(1, T0, 1)))
            .Refused.Should().Be(RejectReason.UnknownDevice, "a user's grain takes no message from a device it does not have");
    }

    [Fact]
    public async Task TheOwnerRefusesADeviceThatIsNotItsOrIsRevokedAndAcceptsItAgainAfterRegistration()
    {
        await fixture.RegisterAsync("own-d9", "own-u9");
        await fixture.RegisterAsync("own-d10", "own-u10");
        var owner = fixture.Grains.GetGrain<IUserStateGrain>("own-u9");

        (await owner.IngestAsync("own-d10", Readings.Resting(1, T0, 2))).Refused.Should().Be(RejectReason.UnknownDevice,
            "a message reaches a user's state only from that user's own devices");
        (await owner.IngestAsync("own-d9", Readings.Resting(1, T0, 2))).Accepted.Should().Be(2);

        (await fixture.Grains.GetGrain<IDeviceGrain>("own-d9").RevokeAsync()).Should().BeTrue();
        (await owner.IngestAsync("own-d9", Readings.Resting(3, T0.AddSeconds(2), 2))).Refused.Should().Be(RejectReason.UnknownDevice,
            "revoked at the owner itself, so a message already on its way (or a stale route) is refused too");
        (await owner.RecordEventAsync("own-d9", new Models.Events.DeviceEvent(Models.Events.DeviceEventType.Interaction, "item-1",
            Models.Catalog.InteractionAction.View, null, default, T0.UtcTicks))).Should().Be(RejectReason.UnknownDevice);

        await owner.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        (await owner.IngestAsync("own-d9", Readings.Resting(3, T0.AddSeconds(2), 2))).Refused.Should().Be(RejectReason.UnknownDevice,
            "the revocation is stored with the owner's devices, not only in memory");

        await fixture.RegisterAsync("own-d9", "own-u9");
        (await owner.IngestAsync("own-d9", Readings.Resting(1, T0.AddSeconds(10), 2))).Accepted.Should().Be(2, "a new registration starts a new epoch");
        (await owner.GetSnapshotAsync()).Devices.Should().ContainSingle(d => d.DeviceId == "own-d9" && !d.Revoked);

        (await fixture.Grains.GetGrain<IDeviceGrain>("own-d9").ForgetAsync("own-u9")).Should().BeTrue();
        (await owner.IngestAsync("own-d9", Readings.Resting(3, T0.AddSeconds(12), 2))).Refused.Should().Be(RejectReason.UnknownDevice,
            "an erased device is refused by its old owner at once, whatever route a message takes");
    }

    [Fact]
    public async Task SecretAuthenticatesOnlyItsOwnDeviceAndRotatesOnReRegistration()
    {
        var secret = await fixture.RegisterAsync("auth-d1", "auth-u1");
        var device = fixture.Grains.GetGrain<IDeviceGrain>("auth-d1");

        (await device.AuthenticateAsync(secret)).Should().Be("auth-u1");
        (await device.AuthenticateAsync(secret + "x")).Should().BeNull();
        (await device.AuthenticateAsync("")).Should().BeNull();
        (await device.AuthenticateAsync(new string('a', 100_000))).Should().BeNull();

        var rotated = await fixture.RegisterAsync("auth-d1", "auth-u1");
        rotated.Should().NotBe(secret);
        (await device.AuthenticateAsync(secret)).Should().BeNull();
        (await device.AuthenticateAsync(rotated)).Should().Be("auth-u1");
    }

    [Fact]
    public async Task DeviceOwnedByAnotherUserCannotBeRegisteredAgain()
    {
        await fixture.RegisterAsync("own-d1", "own-u1");

        var result = await fixture.Grains.GetGrain<IDeviceGrain>("own-d1").RegisterAsync("own-u2", "watch");

        result.Ok.Should().BeFalse();
        result.Error.Should().Contain("another user");
        (await fixture.Grains.GetGrain<IDeviceGrain>("own-d1").GetInfoAsync())!.UserId.Should().Be("own-u1");
    }

    [Theory]
    [InlineData("bad/device", "u", "watch")]
    [InlineData("d+", "u", "watch")]
    [InlineData("ok-device", "user#1", "watch")]
    [InlineData("ok-device2", "u", "")]
    public async Task InvalidIdsAreRefusedAtRegistration(string deviceId, string userId, string kind)
    {
        var result = await fixture.Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, kind);

        result.Ok.Should().BeFalse();
        result.Error.Should().Contain("not a valid id");
        (await fixture.Grains.GetGrain<IDeviceGrain>(deviceId).GetInfoAsync()).Should().BeNull();
    }
}
