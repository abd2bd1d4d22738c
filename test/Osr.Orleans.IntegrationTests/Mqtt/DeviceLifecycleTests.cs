using System.Text.Json;
using MQTTnet;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Client;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// docs/contract.md "Security and data lifecycle": <c>devices rotate</c> and <c>devices revoke</c> take effect at once —
/// the live session is closed and the old secret refused — and registering a device again starts a new sequence epoch,
/// so a factory-reset device whose <c>seq</c> starts again at 0 is applied, not dropped as a duplicate.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class DeviceLifecycleTests(SiloFixture silo)
{
    private static string Readings(string deviceId) => $"osr/v1/devices/{deviceId}/readings";

    [Fact]
    public async Task RotateClosesTheLiveSessionAndOnlyTheNewSecretConnects()
    {
        var old = await silo.RegisterAsync("lc-rot", "lc-rot-u");
        await using var live = await DeviceClient.ConnectAsync(silo.MqttPort, "lc-rot", old);

        var cli = await CliAsync();
        (await cli.RunAsync("devices", "rotate", "lc-rot", "--json")).Should().Be(0, cli.Error.ToString());
        var secret = JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("secret").GetString()!;

        await Poll.UntilAsync(() => !live.IsConnected, "the live session is closed");
        var (refused, result) = await DeviceClient.TryConnectAsync(silo.MqttPort, "lc-rot", old);
        await using (refused) result.ResultCode.Should().Be(MqttClientConnectResultCode.BadUserNameOrPassword);
        await using var renewed = await DeviceClient.ConnectAsync(silo.MqttPort, "lc-rot", secret);
        renewed.IsConnected.Should().BeTrue();
    }

    [Fact]
    public async Task RevokeClosesTheSessionRefusesTheDeviceAndRegisteringAgainStartsANewSequenceEpoch()
    {
        var secret = await silo.RegisterAsync("lc-rev", "lc-rev-u");
        await using (var live = await DeviceClient.ConnectAsync(silo.MqttPort, "lc-rev", secret))
        {
            (await live.PublishAsync(Readings("lc-rev"), Reading(seq: 5_000))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);

            var cli = await CliAsync();
            (await cli.RunAsync("devices", "revoke", "lc-rev")).Should().Be(0, cli.Error.ToString());
            cli.Out.ToString().Should().Contain("Revoked");
            await Poll.UntilAsync(() => !live.IsConnected, "the live session is closed");
        }
        var (refused, result) = await DeviceClient.TryConnectAsync(silo.MqttPort, "lc-rev", secret);
        await using (refused) result.ResultCode.Should().Be(MqttClientConnectResultCode.BadUserNameOrPassword);
        (await silo.Grains.GetGrain<IDeviceGrain>("lc-rev").GetInfoAsync())!.Revoked.Should().BeTrue();

        // Factory reset: registered again, the device counts from 0.
        var applied = (await silo.Grains.GetGrain<IUserStateGrain>("lc-rev-u").GetSnapshotAsync()).ReadingsApplied;
        var fresh = await silo.RegisterAsync("lc-rev", "lc-rev-u");
        await using var reset = await DeviceClient.ConnectAsync(silo.MqttPort, "lc-rev", fresh);
        (await reset.PublishAsync(Readings("lc-rev"), Reading(seq: 0))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await silo.Grains.GetGrain<IUserStateGrain>("lc-rev-u").GetSnapshotAsync()).ReadingsApplied.Should().Be(applied + 1,
            "seq 0 after a re-registration is a new reading, not a duplicate of the old epoch");
    }

    [Fact]
    public async Task AReadingThatJumpsTooFarAheadIsRefusedAndTheDeviceGoesOn()
    {
        var secret = await silo.RegisterAsync("lc-jump", "lc-jump-u");
        await using var device = await DeviceClient.ConnectAsync(silo.MqttPort, "lc-jump", secret);
        await device.SubscribeAsync("osr/v1/devices/lc-jump/errors");
        (await device.PublishAsync(Readings("lc-jump"), Reading(seq: 10))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        var applied = (await silo.Grains.GetGrain<IUserStateGrain>("lc-jump-u").GetSnapshotAsync()).ReadingsApplied;

        // One forged reading far ahead would make everything the device sends afterwards a "duplicate".
        var jump = await device.PublishAsync(Readings("lc-jump"), Reading(seq: 10 + (1L << 48) + 1));
        jump.ReasonCode.Should().Be(MqttClientPublishReasonCode.ImplementationSpecificError);
        var (_, error) = await device.NextAsync(TimeSpan.FromSeconds(5));
        error.Should().Contain("seq-jump");

        (await device.PublishAsync(Readings("lc-jump"), Reading(seq: 11))).ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await silo.Grains.GetGrain<IUserStateGrain>("lc-jump-u").GetSnapshotAsync()).ReadingsApplied.Should().Be(applied + 1);
    }

    [Fact]
    public async Task RotatingOrRevokingAnUnknownDeviceIsABadInput()
    {
        var cli = await CliAsync();
        (await cli.RunAsync("devices", "revoke", "lc-nobody")).Should().Be(2);
        cli.Error.ToString().Should().Contain("not registered");
        var rotate = await CliAsync();
        (await rotate.RunAsync("devices", "rotate", "lc-nobody")).Should().Be(2);
        rotate.Error.ToString().Should().Contain("not registered");
    }

    /// <summary>The console against the fixture's silo (a command closes its connection when it ends).</summary>
    private async Task<TestCli> CliAsync()
    {
        var cli = new TestCli();
        cli.Clusters.Connection = await AdminConnection.ConnectAsync(silo.GatewayPort);
        return cli;
    }

    private static string Reading(long seq) =>
        $$"""[{"seq":{{seq}},"ts":"{{DateTimeOffset.UtcNow.AddSeconds(-1):O}}","hr":70}]""";
}
