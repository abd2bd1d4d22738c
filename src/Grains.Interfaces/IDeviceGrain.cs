using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// One physical device (a watch, a phone), keyed by device id. Validates ownership, drops
/// duplicates by sequence number, rate-limits, and forwards accepted readings in one batch
/// to the owner's <see cref="IUserStateGrain"/>.
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
    /// </summary>
    [Alias("Register")]
    ValueTask<DeviceRegistrationResult> RegisterAsync(string userId, string kind, bool imported = false);

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
    /// A login by a device certificate the broker verified (it chains to the configured CA and names this device):
    /// the owner's user id, or null when the device is not registered or is revoked.
    /// </summary>
    [Alias("AuthenticateCertificate")]
    ValueTask<string?> AuthenticateCertificateAsync();

    /// <summary>
    /// Ingests one message's readings (already parsed and validated). The call completes
    /// only after the owner's state grain applied them, so acknowledging the MQTT message
    /// afterwards never loses an accepted reading. The array is passed without a copy
    /// (<c>[Immutable]</c>): neither the caller nor the grain may change it after the call.
    /// </summary>
    [Alias("Ingest")]
    ValueTask<IngestResult> IngestAsync([Immutable] Reading[] readings);

    [Alias("GetInfo")]
    ValueTask<DeviceInfo?> GetInfoAsync();

    /// <summary>
    /// Records one event of this device (an interaction, later a notification feedback) for
    /// its owner; completes when the event is stored. Returns <see cref="RejectReason.None"/>
    /// or why it was refused.
    /// </summary>
    [Alias("RecordEvent")]
    ValueTask<RejectReason> RecordEventAsync(DeviceEvent deviceEvent);
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

/// <summary>
/// Outcome of one ingested message. <see cref="Refused"/> is set when the whole message was
/// refused (unknown device, quota exceeded): nothing of it was applied.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.ingest-result")]
public readonly record struct IngestResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int OutOfOrder,
    [property: Id(3)] RejectReason Refused);
