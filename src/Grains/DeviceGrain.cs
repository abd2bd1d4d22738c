using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Models.Limits;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains;

/// <summary>Persisted registration and dedupe position of one device.</summary>
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
public sealed partial class DeviceGrain(
    [PersistentState("device", StorageNames.Default)] IPersistentState<DeviceState> state,
    IOptions<IngestOptions> ingestOptions,
    IngestCounters counters,
    ActivationCounter activations,
    OsrClock time,
    Devices.IDeviceSessions sessions,
    Admin.AuditOutbox audit,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    private TokenBucket _bucket = new(ingestOptions.Value.Burst);
    private IUserStateGrain? _owner;
    private SeqWindow _window = SeqWindow.Empty;

    private string? _deviceId;

    private string DeviceId => _deviceId ??= this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activations.DeviceActivated();
        if (state.State.UserId is { } userId) _owner = GrainFactory.GetGrain<IUserStateGrain>(userId);
        if (state.State.PendingAudit.Count > 0) return ActivateWithPendingAuditAsync();
        return _owner is null ? Task.CompletedTask : LoadLastSeqAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        activations.DeviceDeactivated();
        return Task.CompletedTask;
    }

    /// <summary>One call per activation: the owner's checkpoint holds this device's dedupe position (its seq window).</summary>
    private async Task LoadLastSeqAsync() => _window = await _owner!.GetSeqWindowAsync(DeviceId);

    public ValueTask<string?> AuthenticateCertificateAsync() =>
        ValueTask.FromResult(state.State is { UserId: { } userId, Revoked: false } ? userId : null);

    public ValueTask<string?> AuthenticateAsync(string secret)
    {
        var s = state.State;
        if (s.UserId is null || s.Revoked || s.SecretHash is null || s.Salt is null || string.IsNullOrEmpty(secret) || secret.Length > 256)
            return ValueTask.FromResult<string?>(null);
        var ok = CryptographicOperations.FixedTimeEquals(Hash(s.Salt, secret), s.SecretHash);
        return ValueTask.FromResult(ok ? s.UserId : null);
    }

    public async ValueTask<IngestResult> IngestAsync(Reading[] readings)
    {
        if (_owner is null || state.State.Revoked) return new(0, 0, 0, RejectReason.UnknownDevice);
        if (readings.Length == 0) return default;

        // Counted by the caller, which knows whether the refusal is final (an MQTT 3.1.1 message is held and offered again).
        if (!_bucket.TryTake(readings.Length, time.UtcTicks, ingestOptions.Value.MaxReadingsPerSecond))
            return new(0, 0, 0, RejectReason.QuotaExceeded);

        // Seen (or below the seq window) = duplicate; a reordered older seq inside the window is still fresh.
        var fresh = FreshReadings.Select(readings, _window, out var duplicates, out var next);
        if (duplicates > 0) counters.Duplicate(duplicates);
        if (fresh.Length == 0) return new(0, duplicates, 0, RejectReason.None);
        // Sorted by seq: the last one is the largest step. The first message of an epoch sets the position.
        if (!_window.IsEmpty && fresh[^1].Seq - _window.Last > ingestOptions.Value.MaxSeqJump)
        {
            counters.Rejected(RejectReason.SeqJump, fresh.Length);
            return new(0, duplicates, 0, RejectReason.SeqJump);
        }

        var applied = await _owner.ApplyAsync(DeviceId, fresh);
        if (applied.Refused != RejectReason.None)
        {
            counters.Rejected(applied.Refused, fresh.Length);
            return new(0, duplicates, 0, applied.Refused);
        }
        _window = next;
        counters.Accepted(fresh.Length - applied.OutOfOrder);
        counters.Lag(time.UtcTicks - fresh[^1].TimestampUtcTicks);
        if (applied.OutOfOrder > 0) counters.Rejected(RejectReason.OutOfOrder, applied.OutOfOrder);
        return new(fresh.Length - applied.OutOfOrder, duplicates, applied.OutOfOrder, RejectReason.None);
    }

    public async ValueTask<RejectReason> RecordEventAsync(DeviceEvent deviceEvent)
    {
        if (_owner is null || state.State.Revoked) return RejectReason.UnknownDevice;
        if (!_bucket.TryTake(1, time.UtcTicks, ingestOptions.Value.MaxReadingsPerSecond)) return RejectReason.QuotaExceeded;
        switch (deviceEvent.Type)
        {
            case DeviceEventType.Interaction when deviceEvent.ItemId is { } itemId:
                await _owner.RecordInteractionAsync(itemId, deviceEvent.Action, deviceEvent.TimestampUtcTicks, deviceEvent.EventId);
                return RejectReason.None;
            case DeviceEventType.Feedback when deviceEvent.NotificationId is { } notificationId && state.State.UserId is { } userId:
                return await GrainFactory.GetGrain<INotificationThrottleGrain>(userId)
                    .RecordFeedbackAsync(notificationId, deviceEvent.Feedback, deviceEvent.TimestampUtcTicks);
            default:
                return RejectReason.Unsupported;
        }
    }

    public ValueTask<DeviceInfo?> GetInfoAsync()
    {
        var s = state.State;
        return ValueTask.FromResult(s.UserId is null ? null : new DeviceInfo(DeviceId, s.UserId, s.Kind, _window.Last, s.RegisteredAt, s.Revoked));
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
