using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IDeviceAdminGrain"/>
/// <remarks>
/// The change is made by the device's own grain and then appended to the audit trail, both before the call returns;
/// one activation per device, so a device's entries are in the order of its changes (docs/decisions.md, "Audit trail").
/// </remarks>
public sealed class DeviceAdminGrain(IAuditLog audit, OsrClock clock) : Grain, IDeviceAdminGrain
{
    private string DeviceId => this.GetPrimaryKeyString();

    private IDeviceGrain Device => GrainFactory.GetGrain<IDeviceGrain>(DeviceId);

    public async ValueTask<DeviceRegistrationResult> RegisterAsync(string userId, string kind, bool imported)
    {
        var before = await Device.GetInfoAsync();
        var result = await Device.RegisterAsync(userId, kind);
        if (result.Ok) await RecordAsync(imported ? AuditActions.DevicesImport : AuditActions.DevicesRegister, before, newSecret: true);
        return result;
    }

    public async ValueTask<DeviceRegistrationResult> RotateAsync()
    {
        var before = await Device.GetInfoAsync();
        var result = await Device.RotateAsync();
        if (result.Ok) await RecordAsync(AuditActions.DevicesRotate, before, newSecret: true);
        return result;
    }

    public async ValueTask<bool> RevokeAsync()
    {
        var before = await Device.GetInfoAsync();
        var revoked = await Device.RevokeAsync();
        if (revoked) await RecordAsync(AuditActions.DevicesRevoke, before, newSecret: false);
        return revoked;
    }

    private async Task RecordAsync(string action, DeviceInfo? before, bool newSecret)
    {
        var after = await Device.GetInfoAsync();
        await audit.AppendAsync(new AuditEntry(0, clock.UtcNow, AdminCaller.Who(), action, DeviceId, after?.UserId ?? before?.UserId,
            Shape(before, newSecret: false), Shape(after, newSecret)));
    }

    private static string? Shape(DeviceInfo? info, bool newSecret) => info is null ? null
        : newSecret ? AuditRecords.DeviceWithNewSecret(info.UserId, info.Kind, info.Revoked, info.RegisteredAt)
        : AuditRecords.Device(info.UserId, info.Kind, info.Revoked, info.RegisteredAt);
}
