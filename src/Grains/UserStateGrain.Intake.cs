using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Ingress;
using Osr.Orleans.Models.Limits;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains;

/// <summary>
/// The user's devices and what each may send (docs/architecture.md, hot path): a device's message reaches this grain
/// in one call from the ingress, which checks the device's quota and dedupe position here (<see cref="DeviceIntake"/>)
/// and applies what is fresh. The dedupe position is checkpointed with the filters; the quota lives in memory.
/// </summary>
public sealed partial class UserStateGrain
{
    /// <summary>Per attached device, in <see cref="UserState.Devices"/> order: its measurement noise, reading quota and seq window.</summary>
    private DeviceSlot[] _slots = [];

    /// <summary>What the grain keeps in memory for one device (one array for all of them: one object, not one per kind).</summary>
    private struct DeviceSlot
    {
        public SensorNoise Noise;
        public TokenBucket Quota;
        /// <summary>The dedupe position, checkpointed with the filters.</summary>
        public SeqWindow Seq;
    }

    public ValueTask<IngestResult> IngestAsync(string deviceId, Reading[] readings)
    {
        var d = DeviceIndex(deviceId);
        if (d < 0) return ValueTask.FromResult(new IngestResult(0, 0, 0, RejectReason.UnknownDevice));
        if (readings.Length == 0) return ValueTask.FromResult(default(IngestResult));

        var now = services.Clock.UtcTicks;
        // A quota refusal is counted by the ingress, which knows whether it is final (an MQTT 3.1.1 message is held and offered again).
        var intake = DeviceIntake.Admit(readings, ref _slots[d].Quota, SeqOf(d), now, services.Ingest.MaxReadingsPerSecond, services.Ingest.MaxSeqJump);
        if (intake.Duplicates > 0) services.Counters.Duplicate(intake.Duplicates);
        if (intake.Refused == RejectReason.SeqJump) services.Counters.Rejected(RejectReason.SeqJump, readings.Length - intake.Duplicates);
        if (intake.Refused != RejectReason.None || intake.Fresh.Length == 0)
            return ValueTask.FromResult(new IngestResult(0, intake.Duplicates, 0, intake.Refused));

        var fresh = intake.Fresh;
        var (applied, outOfOrder, refused) = Apply(d, deviceId, fresh, intake.Next);
        if (refused != RejectReason.None)
        {
            services.Counters.Rejected(refused, fresh.Length);
            return ValueTask.FromResult(new IngestResult(0, intake.Duplicates, 0, refused));
        }
        services.Counters.Accepted(applied);
        services.Counters.Lag(now - fresh[^1].TimestampUtcTicks);
        if (outOfOrder > 0) services.Counters.Rejected(RejectReason.OutOfOrder, outOfOrder);
        var result = new IngestResult(applied, intake.Duplicates, outOfOrder, RejectReason.None);
        // Dirty for about the interval: this call writes the checkpoint, so the scheduler needs no call of its own.
        return Checkpoint.IsDue ? WriteCheckpointThenAsync(result) : ValueTask.FromResult(result);
    }

    private async ValueTask<IngestResult> WriteCheckpointThenAsync(IngestResult result)
    {
        await Checkpoint.WriteIfDueAsync();
        return result;
    }

    public async ValueTask<RejectReason> RecordEventAsync(string deviceId, DeviceEvent deviceEvent)
    {
        var d = DeviceIndex(deviceId);
        if (d < 0) return RejectReason.UnknownDevice;
        if (!DeviceIntake.AdmitEvent(ref _slots[d].Quota, services.Clock.UtcTicks, services.Ingest.MaxReadingsPerSecond)) return RejectReason.QuotaExceeded;
        switch (deviceEvent.Type)
        {
            case DeviceEventType.Interaction when deviceEvent.ItemId is { } itemId:
                await RecordInteractionAsync(itemId, deviceEvent.Action, deviceEvent.TimestampUtcTicks, deviceEvent.EventId);
                return RejectReason.None;
            case DeviceEventType.Feedback when deviceEvent.NotificationId is { } notificationId:
                return await GrainFactory.GetGrain<INotificationThrottleGrain>(UserId)
                    .RecordFeedbackAsync(notificationId, deviceEvent.Feedback, deviceEvent.TimestampUtcTicks);
            default:
                return RejectReason.Unsupported;
        }
    }

    public async ValueTask AttachDeviceAsync(string deviceId, string kind)
    {
        var devices = _state.State.Devices;
        var i = IndexOf(devices, deviceId);
        var entry = new DeviceRef(deviceId, kind);
        // A (re-)registration starts a new sequence epoch for the device.
        var reset = ForgetSeq(deviceId);
        if (i >= 0 && devices[i] == entry && !reset) return;
        if (i >= 0) devices[i] = entry;
        else devices.Add(entry);
        RebuildDevices();
        await CheckpointAsync();
    }

    public async ValueTask RevokeDeviceAsync(string deviceId)
    {
        var devices = _state.State.Devices;
        var i = IndexOf(devices, deviceId);
        if (i < 0 || devices[i].Revoked) return;
        devices[i] = devices[i] with { Revoked = true };
        await CheckpointAsync();
    }

    /// <summary>The index of an attached, unrevoked device in <see cref="UserState.Devices"/>, or −1 (a loop: no allocation per message).</summary>
    private int DeviceIndex(string deviceId)
    {
        var i = IndexOf(_state.State.Devices, deviceId);
        return i >= 0 && !_state.State.Devices[i].Revoked ? i : -1;
    }

    private static int IndexOf(List<DeviceRef> devices, string deviceId)
    {
        for (var i = 0; i < devices.Count; i++)
            if (string.Equals(devices[i].DeviceId, deviceId, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>
    /// Noise profiles, quotas and seq windows for the device list as it is now: a device already listed keeps its quota and
    /// seq window; a new one starts with a full quota and the window in <paramref name="checkpointed"/> (on activation) or none.
    /// The list itself is trimmed to its devices (a list grows to four entries for its first: 72 bytes a user held empty).
    /// </summary>
    private void RebuildDevices(SeqWindow[]? checkpointed = null)
    {
        var devices = _state.State.Devices;
        devices.TrimExcess();
        var slots = new DeviceSlot[devices.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i].Noise = SensorNoiseProfiles.For(devices[i].Kind);
            var kept = i < _slots.Length;
            slots[i].Quota = kept ? _slots[i].Quota : new TokenBucket(services.Ingest.Burst);
            slots[i].Seq = kept ? _slots[i].Seq : checkpointed is not null && i < checkpointed.Length ? checkpointed[i] : SeqWindow.Empty;
        }
        _slots = slots;
    }
}
