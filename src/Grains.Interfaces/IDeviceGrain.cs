using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// One physical device (a watch, a phone), keyed by device id: its registration, secret and owner. It is asked at
/// login (or once per device by an external broker's consumer), never per message: a device's messages go straight
/// to its owner's <see cref="IUserStateGrain"/>, which keeps the device's quota and dedupe position.
/// </summary>
[Alias("osr.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the device for <paramref name="userId"/> and returns a fresh secret (shown
    /// once; only its hash is stored). Re-registering for the same user (a revoked or a factory-reset
    /// device) gives a new secret and starts a new sequence epoch: the device's <c>seq</c> may start
    /// again at 0. A device owned by another user is refused. Recorded in the audit trail with the change
    /// (<c>devices.register</c>, or <c>devices.import</c> with <paramref name="imported"/>), as are rotate and revoke.
    /// In External mode the silo creates the device's broker account with the new secret, unless
    /// <paramref name="skipBrokerAccount"/> is true: then the console writes the account into the broker's
    /// dynamic-security file itself (<c>--broker-file</c>, for fleets too large for one command per device).
    /// </summary>
    [Alias("Register")]
    ValueTask<DeviceRegistrationResult> RegisterAsync(string userId, string kind, bool imported = false, bool skipBrokerAccount = false);

    /// <summary>A new secret for a registered device; the old one is refused from now on and live sessions are closed.</summary>
    [Alias("Rotate")]
    ValueTask<DeviceRegistrationResult> RotateAsync();

    /// <summary>Refuses the device from now on and closes its live sessions; false if it was never registered.</summary>
    [Alias("Revoke")]
    ValueTask<bool> RevokeAsync();

    /// <summary>
    /// Erases this device when it is registered to <paramref name="userId"/> (or to no one): its state is
    /// cleared, live sessions are closed, and it is unknown from then on. False when it belongs to another user.
    /// </summary>
    [Alias("Forget")]
    ValueTask<bool> ForgetAsync(string userId);

    /// <summary>Checks a device secret; returns the owner's user id, or null if refused.</summary>
    [Alias("Authenticate")]
    ValueTask<string?> AuthenticateAsync(string secret);

    /// <summary>
    /// The owner's user id when the device is registered and not revoked, else null: what a login by a device
    /// certificate the broker verified (it chains to the configured CA and names this device) is checked against, and
    /// what an external broker's consumer asks once per device to route its messages to the owner
    /// (<see cref="IUserStateGrain.IngestAsync"/>).
    /// </summary>
    [Alias("GetOwner")]
    ValueTask<string?> GetOwnerAsync();

    [Alias("GetInfo")]
    ValueTask<DeviceInfo?> GetInfoAsync();
}

[GenerateSerializer, Immutable, Alias("osr.device-registration-result")]
public sealed record DeviceRegistrationResult(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string? Secret,
    [property: Id(2)] string? Error);

[GenerateSerializer, Immutable, Alias("osr.device-info")]
public sealed record DeviceInfo(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string Kind,
    [property: Id(3)] long LastSeq,
    [property: Id(4)] DateTimeOffset RegisteredAt,
    [property: Id(5)] bool Revoked = false);
