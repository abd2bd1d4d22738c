namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The admin's changes to one device (key = device id), each recorded in the audit trail: the admin path
/// (<c>osr-admin devices …</c>). The device path (the MQTT ingress) never uses this interface
/// (docs/decisions.md, "The admin path and the device path").
/// </summary>
[Alias("osr.IDeviceAdminGrain")]
public interface IDeviceAdminGrain : IGrainWithStringKey
{
    /// <summary><see cref="IDeviceGrain.RegisterAsync"/>, audited as <c>devices.register</c> or, with <paramref name="imported"/>, <c>devices.import</c>.</summary>
    [Alias("Register")]
    ValueTask<DeviceRegistrationResult> RegisterAsync(string userId, string kind, bool imported, bool skipBrokerAccount = false);

    /// <summary><see cref="IDeviceGrain.RotateAsync"/>, audited (the secret is never recorded).</summary>
    [Alias("Rotate")]
    ValueTask<DeviceRegistrationResult> RotateAsync();

    /// <summary><see cref="IDeviceGrain.RevokeAsync"/>, audited.</summary>
    [Alias("Revoke")]
    ValueTask<bool> RevokeAsync();
}
