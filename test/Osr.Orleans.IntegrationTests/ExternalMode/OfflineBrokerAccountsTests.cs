using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Osr.Orleans.Client.Broker;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.ExternalMode;

/// <summary>
/// Accounts for large fleets written into Mosquitto's dynamic-security file by the console (<c>--broker-file</c>) instead of
/// one control command per device: a real Mosquitto loads them at its restart and enforces the same login and ACL as for
/// accounts the silo creates (docs/operations.md, "External broker: large fleets").
/// </summary>
public sealed class OfflineBrokerAccountsTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;
    private InProcessSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        var settings = _broker.SiloSettings("offline-accounts");
        settings["Osr:Data:Path"] = TempDirectory.Create("osr-offline-data");
        _silo = await InProcessSilo.StartAsync(settings);
        await WaitForSiloAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private Task WaitForSiloAsync()
    {
        var external = _silo.Services.GetRequiredService<global::Osr.Orleans.Silo.Ingress.ExternalBroker>();
        return Poll.UntilAsync(() => external.ConnectedBrokers == 1, "the silo connects to the broker");
    }

    [Fact]
    public async Task DevicesWhoseAccountsWereWrittenIntoTheFileLogInAfterTheBrokersRestartWithTheSameAcl()
    {
        var first = await _silo.Grains.GetGrain<IDeviceAdminGrain>("o-d1").RegisterAsync("o-u1", "watch", imported: true, skipBrokerAccount: true);
        var second = await _silo.Grains.GetGrain<IDeviceAdminGrain>("o-d2").RegisterAsync("o-u2", "watch", imported: true, skipBrokerAccount: true);
        first.Ok.Should().BeTrue(first.Error);
        second.Ok.Should().BeTrue(second.Error);
        var (before, refused) = await DeviceClient.TryConnectAsync(_broker.Port, "o-d1", first.Secret!);
        await using (before) refused.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success, "the silo did not create the account");

        await DynamicSecurityFile.MergeAsync(_broker.DynamicSecurityFile,
            [new("o-d1", "o-u1", first.Secret!), new("o-d2", "o-u2", second.Secret!)], CancellationToken.None);
        await _broker.RestartAsync();
        await WaitForSiloAsync();   // the silos' own account was kept in the file

        await using var device = await DeviceClient.ConnectAsync(_broker.Port, "o-d1", first.Secret!);
        (await device.PublishAsync("osr/v1/devices/o-d1/readings", Readings.Json(1, DateTimeOffset.UtcNow, 70)))
            .ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        (await device.PublishAsync("osr/v1/devices/o-d2/readings", Readings.Json(1, DateTimeOffset.UtcNow, 70)))
            .ReasonCode.Should().Be(MqttClientPublishReasonCode.NotAuthorized);
        (await device.SubscribeAsync("osr/v1/users/o-u2/notifications")).Should().Be(MqttClientSubscribeResultCode.NotAuthorized);
        (await device.SubscribeAsync("osr/v1/users/o-u1/notifications")).Should().Be(MqttClientSubscribeResultCode.GrantedQoS1);
        await Poll.ForAsync(() => _silo.Grains.GetGrain<IUserStateGrain>("o-u1").GetSnapshotAsync().AsTask(),
            s => s.ReadingsApplied == 1, "the device's reading is applied");

        var (wrong, wrongResult) = await DeviceClient.TryConnectAsync(_broker.Port, "o-d2", first.Secret!);
        await using (wrong) wrongResult.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success, "another device's secret");
        var (otherId, otherIdResult) = await DeviceClient.TryConnectAsync(_broker.Port, "o-d2", second.Secret!, clientId: "o-d1");
        await using (otherId) otherIdResult.ResultCode.Should().NotBe(MqttClientConnectResultCode.Success, "the client id must equal the username");
        device.IsConnected.Should().BeTrue("a refused takeover leaves the device's session alone");

        (await _silo.Grains.GetGrain<IDeviceAdminGrain>("o-d1").RevokeAsync()).Should().BeTrue();
        await Poll.UntilAsync(() => !device.IsConnected, "revoking a device written into the file still disconnects it");
    }
}
