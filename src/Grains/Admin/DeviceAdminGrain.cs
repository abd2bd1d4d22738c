using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IDeviceAdminGrain"/>
/// <remarks>
/// The device's own grain makes the change and stores its audit entry with it (docs/decisions.md, "Audit trail"); this
/// grain is the admin path's door to it, the interface the device path never reaches.
/// </remarks>
public sealed class DeviceAdminGrain : Grain, IDeviceAdminGrain
{
    private IDeviceGrain Device => GrainFactory.GetGrain<IDeviceGrain>(this.GetPrimaryKeyString());

    public ValueTask<DeviceRegistrationResult> RegisterAsync(string userId, string kind, bool imported, bool skipBrokerAccount = false) =>
        Device.RegisterAsync(userId, kind, imported, skipBrokerAccount);

    public ValueTask<DeviceRegistrationResult> RotateAsync() => Device.RotateAsync();

    public ValueTask<bool> RevokeAsync() => Device.RevokeAsync();
}
