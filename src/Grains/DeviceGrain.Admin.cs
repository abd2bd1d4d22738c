using System.Security.Cryptography;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains;

/// <summary>
/// The device's admin changes: register, rotate, revoke, forget. Each change but forget is stored with its audit entry
/// in one state write and the entry is then copied to the audit trail (<see cref="Admin.AuditOutbox"/>), whoever called.
/// </summary>
public sealed partial class DeviceGrain
{
    public ValueTask<DeviceRegistrationResult> RegisterAsync(string userId, string kind, bool imported = false, bool skipBrokerAccount = false) =>
        DiscardOnFailureAsync(() => RegisterCoreAsync(userId, kind, imported, brokerAccount: !skipBrokerAccount));

    public ValueTask<DeviceRegistrationResult> RotateAsync() => DiscardOnFailureAsync(RotateCoreAsync);

    public ValueTask<bool> RevokeAsync() => DiscardOnFailureAsync(RevokeCoreAsync);

    /// <summary>
    /// A change that failed half-way (the broker refused the account, the owner or the storage failed) may have changed the
    /// state in memory only: the activation goes, and the next one reads what was stored — never a change without its entry.
    /// </summary>
    private async ValueTask<T> DiscardOnFailureAsync<T>(Func<Task<T>> change)
    {
        try
        {
            return await change();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task<DeviceRegistrationResult> RegisterCoreAsync(string userId, string kind, bool imported, bool brokerAccount)
    {
        if (!GrainKeys.IsValidId(DeviceId)) return new(false, null, GrainKeys.InvalidIdMessage("device", DeviceId));
        if (!GrainKeys.IsValidId(userId)) return new(false, null, GrainKeys.InvalidIdMessage("user", userId));
        if (!GrainKeys.IsValidId(kind)) return new(false, null, GrainKeys.InvalidIdMessage("kind", kind));
        if (state.State.UserId is { } owner && owner != userId)
            return new(false, null, $"device '{DeviceId}' is registered to another user");

        var reRegistered = state.State.UserId is not null;
        var before = Describe(newSecret: false);
        var secret = await NewSecretAsync(userId, brokerAccount);
        state.State.UserId = userId;
        state.State.Kind = kind;
        state.State.RegisteredAt = time.UtcNow;
        state.State.Revoked = false;
        _owner = GrainFactory.GetGrain<IUserStateGrain>(userId);
        // A new sequence epoch: the owner forgets this device's dedupe position.
        await _owner.AttachDeviceAsync(DeviceId, kind);
        await WriteWithEntryAsync(imported ? AuditActions.DevicesImport : AuditActions.DevicesRegister, before, brokerAccountInFile: !brokerAccount);
        if (reRegistered) await sessions.DisconnectAsync(DeviceId);
        DeviceLog.Registered(logger, DeviceId, userId, kind);
        await DeliverAuditAsync();
        return new(true, secret, null);
    }

    private async Task<DeviceRegistrationResult> RotateCoreAsync()
    {
        if (state.State.UserId is null) return new(false, null, $"device '{DeviceId}' is not registered");
        if (state.State.Revoked) return new(false, null, $"device '{DeviceId}' is revoked; register it again");
        var before = Describe(newSecret: false);
        var secret = await NewSecretAsync(state.State.UserId, brokerAccount: true);
        await WriteWithEntryAsync(AuditActions.DevicesRotate, before);
        await sessions.DisconnectAsync(DeviceId);
        DeviceLog.Rotated(logger, DeviceId);
        await DeliverAuditAsync();
        return new(true, secret, null);
    }

    private async Task<bool> RevokeCoreAsync()
    {
        if (state.State.UserId is null) return false;
        var before = Describe(newSecret: false);
        state.State.Revoked = true;
        // The owner refuses the device's messages first (it sees every message, the device grain none), then the change is stored.
        await _owner!.RevokeDeviceAsync(DeviceId);
        await WriteWithEntryAsync(AuditActions.DevicesRevoke, before);
        await sessions.RevokeAsync(DeviceId);
        DeviceLog.Revoked(logger, DeviceId);
        await DeliverAuditAsync();
        return true;
    }

    public async ValueTask<bool> ForgetAsync(string userId)
    {
        if (state.State.UserId is { } owner && owner != userId) return false;
        var had = state.State.UserId is not null;
        // The owner refuses the device first: a route cached before the erasure (external mode) or a message on its way must
        // not reach the old owner once the device may be registered to someone else.
        if (_owner is not null) await _owner.RevokeDeviceAsync(DeviceId);
        // Entries still pending go to the trail first, where the erasure's last step redacts them (who and when stay).
        await audit.TryDeliverAsync(state.State.PendingAudit, () => Task.CompletedTask);
        await state.ClearStateAsync();
        state.State = new DeviceState();
        _owner = null;
        // Closes live sessions; in External mode also disables the broker account.
        await sessions.RevokeAsync(DeviceId);
        DeactivateOnIdle();
        DeviceLog.Forgotten(logger, DeviceId);
        return had;
    }

    /// <summary>
    /// A fresh 256-bit secret, handed to the broker's account (external mode; unless the console writes the account into the
    /// broker's file, <paramref name="brokerAccount"/> false) before its salted hash replaces the old one in the state (written by the caller).
    /// </summary>
    private async Task<string> NewSecretAsync(string userId, bool brokerAccount)
    {
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        // If the broker refuses the account, the device keeps its old secret and the admin sees the error.
        if (brokerAccount) await sessions.SetCredentialsAsync(DeviceId, userId, secret);
        state.State.Salt = salt;
        state.State.SecretHash = Hash(salt, secret);
        return secret;
    }

    /// <summary>Stores the change made to the state together with its audit entry (before as given, after as the state is now).</summary>
    private Task WriteWithEntryAsync(string action, string? before, bool brokerAccountInFile = false)
    {
        var newSecret = action is not AuditActions.DevicesRevoke;
        state.State.PendingAudit.Add(audit.NewEntry(action, DeviceId, state.State.UserId, before, Describe(newSecret, brokerAccountInFile)));
        return state.WriteStateAsync();
    }

    /// <summary>
    /// Copies pending entries to the audit trail. While some are left (the audit log refused them), the activation stays so the
    /// outbox's timer keeps retrying: no message keeps a device grain busy, and idle it would go after two minutes.
    /// </summary>
    private async Task DeliverAuditAsync()
    {
        await audit.SettleAsync(this, () => state.State.PendingAudit, state.WriteStateAsync);
        if (state.State.PendingAudit.Count > 0) DelayDeactivation(TimeSpan.FromHours(1));
    }

    /// <summary>What the audit trail keeps of this device (never the secret or its hash), or null when unregistered.</summary>
    private string? Describe(bool newSecret, bool brokerAccountInFile = false)
    {
        var s = state.State;
        if (s.UserId is null) return null;
        return newSecret
            ? AuditRecords.DeviceWithNewSecret(s.UserId, s.Kind, s.Revoked, s.RegisteredAt, brokerAccountInFile)
            : AuditRecords.Device(s.UserId, s.Kind, s.Revoked, s.RegisteredAt);
    }
}
