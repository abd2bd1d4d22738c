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
    /// <summary>Per attached device, in <see cref="UserState.Devices"/> order: its measurement noise and its reading quota.</summary>
    private SensorNoise[] _noise = [];
    private TokenBucket[] _buckets = [];

    public ValueTask<IngestResult> IngestAsync(string deviceId, Reading[] readings)
    {
        var d = DeviceIndex(deviceId);
        if (d < 0) return ValueTask.FromResult(new IngestResult(0, 0, 0, RejectReason.UnknownDevice));
        if (readings.Length == 0) return ValueTask.FromResult(default(IngestResult));

        var now = services.Clock.UtcTicks;
        // A quota refusal is counted by the ingress, which knows whether it is final (an MQTT 3.1.1 message is held and offered again).
        var intake = DeviceIntake.Admit(readings, ref _buckets[d], SeqOf(d), now, services.Ingest.MaxReadingsPerSecond, services.Ingest.MaxSeqJump);
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
        if (!DeviceIntake.AdmitEvent(ref _buckets[d], services.Clock.UtcTicks, services.Ingest.MaxReadingsPerSecond)) return RejectReason.QuotaExceeded;
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
        var devices = state.State.Devices;
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
        var devices = state.State.Devices;
        var i = IndexOf(devices, deviceId);
        if (i < 0 || devices[i].Revoked) return;
        devices[i] = devices[i] with { Revoked = true };
        await CheckpointAsync();
    }

    /// <summary>The index of an attached, unrevoked device in <see cref="UserState.Devices"/>, or −1 (a loop: no allocation per message).</summary>
    private int DeviceIndex(string deviceId)
    {
        var i = IndexOf(state.State.Devices, deviceId);
        return i >= 0 && !state.State.Devices[i].Revoked ? i : -1;
    }

    private static int IndexOf(List<DeviceRef> devices, string deviceId)
    {
        for (var i = 0; i < devices.Count; i++)
            if (string.Equals(devices[i].DeviceId, deviceId, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>Noise profiles and quotas for the device list as it is now; a device already listed keeps its quota.</summary>
    private void RebuildDevices()
    {
        var devices = state.State.Devices;
        var noise = new SensorNoise[devices.Count];
        var buckets = new TokenBucket[devices.Count];
        for (var i = 0; i < devices.Count; i++)
        {
            noise[i] = SensorNoiseProfiles.For(devices[i].Kind);
            buckets[i] = i < _buckets.Length ? _buckets[i] : new TokenBucket(services.Ingest.Burst);
        }
        _noise = noise;
        _buckets = buckets;
    }
}
