using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains;

/// <summary>Persisted registration of one device (its dedupe position and quota live with the owner, <see cref="UserStateGrain"/>).</summary>
[GenerateSerializer, Alias("osr.device-state")]
public sealed record class DeviceState
{
    [Id(0)] public string? UserId { get; set; }
    [Id(1)] public string Kind { get; set; } = "";
    /// <summary>SHA-256(salt ‖ secret). The secret itself is never stored.</summary>
    [Id(2)] public byte[]? SecretHash { get; set; }
    [Id(3)] public byte[]? Salt { get; set; }
    // Id 4 (LastSeq) is retired: the dedupe position is checkpointed with the owner's filter
    // state (UserState.LastSeq), so the two can never disagree after a crash.
    [Id(5)] public DateTimeOffset RegisteredAt { get; set; }
    /// <summary>Set by <c>devices revoke</c>: the device is refused until it is registered again.</summary>
    [Id(6)] public bool Revoked { get; set; }
    /// <summary>Audit entries stored with the change they record, until the audit log has them (<see cref="Admin.AuditOutbox"/>).</summary>
    [Id(7)] public List<AuditEntry> PendingAudit { get; set; } = [];
}

/// <inheritdoc cref="IDeviceGrain"/>
/// <remarks>
/// Asked at login and on admin changes only, so an activation is idle soon after its device connected: it goes after
/// two idle minutes rather than the silo's default, and a connected device costs its owner's activation alone.
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
public sealed partial class DeviceGrain(
    [PersistentState("device", StorageNames.Default)] IPersistentState<DeviceState> state,
    ActivationCounter activations,
    OsrClock time,
    Devices.IDeviceSessions sessions,
    Admin.AuditOutbox audit,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    private IUserStateGrain? _owner;
    private string? _deviceId;

    private string DeviceId => _deviceId ??= this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activations.DeviceActivated();
        if (state.State.UserId is { } userId) _owner = GrainFactory.GetGrain<IUserStateGrain>(userId);
        return state.State.PendingAudit.Count > 0 ? DeliverAuditAsync() : Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        activations.DeviceDeactivated();
        return Task.CompletedTask;
    }

    public ValueTask<string?> GetOwnerAsync() =>
        ValueTask.FromResult(state.State is { UserId: { } userId, Revoked: false } ? userId : null);

    public ValueTask<string?> AuthenticateAsync(string secret)
    {
        var s = state.State;
        if (s.UserId is null || s.Revoked || s.SecretHash is null || s.Salt is null || string.IsNullOrEmpty(secret) || secret.Length > 256)
            return ValueTask.FromResult<string?>(null);
        var ok = CryptographicOperations.FixedTimeEquals(Hash(s.Salt, secret), s.SecretHash);
        return ValueTask.FromResult(ok ? s.UserId : null);
    }

    public async ValueTask<DeviceInfo?> GetInfoAsync()
    {
        var s = state.State;
        if (s.UserId is null || _owner is null) return null;
        var lastSeq = await _owner.GetLastSeqAsync(DeviceId);
        return new DeviceInfo(DeviceId, s.UserId, s.Kind, lastSeq, s.RegisteredAt, s.Revoked);
    }

    private static byte[] Hash(byte[] salt, string secret)
    {
        Span<byte> buffer = stackalloc byte[salt.Length + Encoding.UTF8.GetMaxByteCount(secret.Length)];
        salt.CopyTo(buffer);
        var n = Encoding.UTF8.GetBytes(secret, buffer[salt.Length..]);
        return SHA256.HashData(buffer[..(salt.Length + n)]);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
