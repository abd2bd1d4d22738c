using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Ingress;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>
/// What becomes of one device message: the MQTT 5 PUBACK reason and, when <see cref="Redeliver"/> is set, that the
/// message must not be acknowledged at all (the grain call failed): the broker or the device sends it again.
/// </summary>
public readonly record struct IngestOutcome(MqttPubAckReasonCode Code, string? Reason, bool Redeliver)
{
    public static readonly IngestOutcome Accepted = new(MqttPubAckReasonCode.Success, null, false);
}

/// <summary>
/// The ingest of device messages shared by both broker modes (docs/architecture.md, hot path): parse and validate,
/// hand to the owner's grain in one call (<see cref="IUserStateGrain.IngestAsync"/>), decide the acknowledgement, report every rejection on the device's <c>errors</c>
/// topic. The broker in front (embedded: <see cref="MqttIngress"/>; external: <see cref="ExternalBroker"/>) has
/// already established which device sent the message and whose it is, and turns the <see cref="IngestOutcome"/> into its PUBACK.
/// </summary>
public sealed class IngestPipeline(
    IOptions<MqttOptions> mqttOptions,
    IOptions<ClockOptions> clockOptions,
    IOptions<FloodLimits> floodOptions,
    IOptions<IngestOptions> ingestOptions,
    IngestCounters counters,
    OsrClock time,
    ILogger<IngestPipeline> logger)
{
    private const int MaxErrorMessagesPerPublish = 20;

    private readonly ReadingValidationOptions _validation = clockOptions.Value.ToValidationOptions(mqttOptions.Value.MaxPayloadBytes);
    private readonly ConcurrentQueue<ParseBuffers> _buffers = new();
    private readonly ReadingBatches _batches = new();
    private readonly ConcurrentQueue<ReadingsCall> _calls = new();
    private int _pooledCalls;

    /// <summary>Waiting messages' <see cref="ReadingsCall"/>s kept for reuse at most (one per message in flight).</summary>
    private const int MaxPooledCalls = 1024;
    private readonly FloodLimits _flood = floodOptions.Value;
    private readonly IngestOptions _ingest = ingestOptions.Value;

    /// <summary>A new flood gate for one device connection (docs/contract.md "Security", <c>Osr:Mqtt:Flood</c>).</summary>
    public FloodGate NewGate() => new(_flood, time.UtcTicks);

    /// <summary>
    /// Handles one message that <paramref name="deviceId"/> published on <paramref name="topic"/>; errors go out through
    /// <paramref name="replies"/>. With a <paramref name="gate"/> (the embedded broker's connection) the message is first
    /// paced to the connection's flood limits, whatever it holds, and error replies are limited to its error budget.
    /// <paramref name="holdOnQuota"/> (an MQTT 3.1.1 client, which has no negative PUBACK): a message over the device's
    /// reading quota is held until the quota has room rather than refused (docs/decisions.md). <paramref name="owner"/> is the
    /// device owner's grain (null: the device is unknown or revoked); with <paramref name="owners"/> (external mode, where the
    /// owner comes from a cache) an owner that no longer knows the device is looked up again once before the message is refused.
    /// </summary>
    public ValueTask<IngestOutcome> HandleAsync(DeviceTopic topic, string deviceId, IUserStateGrain? owner, ReadOnlySequence<byte> payload,
        IDeviceChannel replies, FloodGate? gate = null, bool holdOnQuota = false, CancellationToken cancellationToken = default,
        DeviceOwners? owners = null)
    {
        counters.MessageReceived();
        if (gate is not null)
        {
            var wait = gate.Admit(payload.Length > int.MaxValue ? int.MaxValue : (int)payload.Length, time.UtcTicks);
            if (wait == FloodGate.Refused)
            {
                counters.MessageRefused();
                counters.Rejected(RejectReason.Flood);
                IngressLog.MessageRefused(logger, deviceId, RejectReason.Flood.Code());
                return ValueTask.FromResult(new IngestOutcome(MqttPubAckReasonCode.QuotaExceeded, RejectReason.Flood.Code(), true));
            }
            if (wait > 0) return HoldThenRouteAsync(wait, new(topic, deviceId, owner, owners, replies, gate, holdOnQuota), payload, cancellationToken);
        }
        return RouteAsync(new(topic, deviceId, owner, owners, replies, gate, holdOnQuota), payload, cancellationToken);
    }

    /// <summary>Over the connection's flood limits: the message waits until its tokens are paid for, and so does the connection.</summary>
    private async ValueTask<IngestOutcome> HoldThenRouteAsync(long waitTicks, Sender sender, ReadOnlySequence<byte> payload,
        CancellationToken cancellationToken)
    {
        counters.MessageHeld();
        await Task.Delay(TimeSpan.FromTicks(waitTicks), time.Provider, cancellationToken);
        return await RouteAsync(sender, payload, cancellationToken);
    }

    private ValueTask<IngestOutcome> RouteAsync(Sender sender, ReadOnlySequence<byte> payload, CancellationToken cancellationToken) => sender.Topic switch
    {
        _ when sender.Owner is null => RefuseUnknownAsync(sender),
        DeviceTopic.Readings => IngestReadingsAsync(sender, payload, cancellationToken),
        DeviceTopic.Events => IngestEventAsync(sender, payload),
        _ => RefuseAsync(sender.Replies, sender.Gate, sender.DeviceId, RejectReason.WrongTopic, MqttPubAckReasonCode.NotAuthorized,
            "a device may publish only to osr/v1/devices/{its id}/readings and /events"),
    };

    /// <summary>Who sent a message and how to answer it: what every step of <see cref="HandleAsync"/> needs.</summary>
    private readonly record struct Sender(DeviceTopic Topic, string DeviceId, IUserStateGrain? Owner, DeviceOwners? Owners,
        IDeviceChannel Replies, FloodGate? Gate, bool HoldOnQuota);

    private ValueTask<IngestOutcome> RefuseUnknownAsync(Sender sender) =>
        RefuseAsync(sender.Replies, sender.Gate, sender.DeviceId, RejectReason.UnknownDevice, MqttPubAckReasonCode.NotAuthorized,
            "device not registered or revoked");

    /// <summary>
    /// The owner refused the device as not its own (<paramref name="result"/>): in external mode the owner came from a cache
    /// and the device may have been forgotten and registered to someone else since, so the cache asks again, once, and the
    /// readings go to the new owner. Kept apart from the common path, which awaits the owner's call alone.
    /// </summary>
    private static async ValueTask<IngestResult> RetryWithFreshOwnerAsync(Sender sender, Reading[] batch, IngestResult result)
    {
        var again = await sender.Owners!.RefreshAsync(sender.DeviceId);
        return again is null || again.Equals(sender.Owner) ? result : await again.IngestAsync(sender.DeviceId, batch);
    }

    /// <summary>An event's counterpart of <see cref="RetryWithFreshOwnerAsync"/>, on every event (they are rare).</summary>
    private static async ValueTask<RejectReason> RecordEventOnceAsync(Sender sender, DeviceEvent deviceEvent)
    {
        var result = await sender.Owner!.RecordEventAsync(sender.DeviceId, deviceEvent);
        if (result != RejectReason.UnknownDevice || sender.Owners is null) return result;
        var again = await sender.Owners.RefreshAsync(sender.DeviceId);
        return again is null || again.Equals(sender.Owner) ? result : await again.RecordEventAsync(sender.DeviceId, deviceEvent);
    }

    /// <summary>Publishes an error reply unless the connection's error budget is spent (then only counts it).</summary>
    private Task ReplyAsync(IDeviceChannel replies, FloodGate? gate, string deviceId, long? seq, RejectReason reason, string? detail)
    {
        if (gate is not null && !gate.TryTakeError(time.UtcTicks))
        {
            counters.ErrorSuppressed();
            return Task.CompletedTask;
        }
        return replies.PublishAsync(Topics.Errors(deviceId), ErrorMessage.Serialize(seq, reason, detail), MqttQualityOfServiceLevel.AtMostOnce);
    }

    /// <summary>
    /// A message's readings: parsed, then handed to the owner in one call. The common message (no trace listener, every
    /// reading valid) waits for that call in a pooled <see cref="ReadingsCall"/> rather than in an async method, whose
    /// state machine would be allocated per message (nearly every message waits for the grain); anything else goes the
    /// general way, <see cref="IngestParsedAsync"/>. The parse buffers go back before the call; the batch array comes
    /// from <see cref="ReadingBatches"/> and goes back once the call has returned (the grain does not keep it).
    /// </summary>
    private ValueTask<IngestOutcome> IngestReadingsAsync(Sender sender, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (OsrTracing.Source.HasListeners()) return IngestTracedAsync(sender, payload, cancellationToken);
        var buffers = RentBuffers();
        var parsed = ReadingParser.Parse(payload, time.UtcTicks, _validation, buffers.Accepted, buffers.Rejected);
        if (parsed.IsRefused || buffers.Rejected.Count > 0 || buffers.Accepted.Count == 0)
            return IngestParsedAsync(sender, parsed, buffers, cancellationToken);
        var batch = _batches.Rent(buffers.Accepted);
        ReturnBuffers(buffers);
        return RentCall().Start(sender, batch, cancellationToken);
    }

    /// <summary>A readings message inside its <see cref="OsrTracing.Ingest"/> span (a trace listener is on).</summary>
    private async ValueTask<IngestOutcome> IngestTracedAsync(Sender sender, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        using var activity = OsrTracing.Source.StartActivity(OsrTracing.Ingest, ActivityKind.Consumer);
        activity?.SetTag("osr.device", sender.DeviceId).SetTag("osr.topic", "readings");
        var buffers = RentBuffers();
        var parsed = ReadingParser.Parse(payload, time.UtcTicks, _validation, buffers.Accepted, buffers.Rejected);
        return await IngestParsedAsync(sender, parsed, buffers, cancellationToken);
    }

    /// <summary>
    /// The general way on from a parsed message (<paramref name="buffers"/> are handed over and go back here): the refusal
    /// of the whole message, the replies for rejected readings, the owner's call and what its answer makes of the message.
    /// </summary>
    private async ValueTask<IngestOutcome> IngestParsedAsync(Sender sender, ParseOutcome parsed, ParseBuffers buffers,
        CancellationToken cancellationToken)
    {
        var (deviceId, replies, gate) = (sender.DeviceId, sender.Replies, sender.Gate);
        Reading[] batch;
        try
        {
            if (parsed.IsRefused) return await RefuseAsync(replies, gate, deviceId, parsed.Refusal, MqttPubAckReasonCode.PayloadFormatInvalid, parsed.Detail);

            foreach (var r in buffers.Rejected) counters.Rejected(r.Reason);
            await PublishRejectionsAsync(replies, gate, deviceId, buffers.Rejected);
            if (buffers.Accepted.Count == 0) return new(MqttPubAckReasonCode.PayloadFormatInvalid, "no valid reading", false);
            batch = _batches.Rent(buffers.Accepted);
        }
        finally
        {
            ReturnBuffers(buffers);
        }

        IngestResult result;
        try
        {
            result = await sender.Owner!.IngestAsync(deviceId, batch);
        }
        catch (Exception ex)
        {
            return CallFailed(deviceId, ex);
        }
        return await AfterCallAsync(sender, batch, result, cancellationToken);
    }

    /// <summary>
    /// A failed grain call: the message is not acknowledged, so it comes again. Its batch array is not given back: the call
    /// may still be running in the grain (a timeout).
    /// </summary>
    private IngestOutcome CallFailed(string deviceId, Exception ex)
    {
        IngressLog.IngestFailed(logger, ex, deviceId);
        return new(MqttPubAckReasonCode.UnspecifiedError, "internal error; retry", true);
    }

    /// <summary>
    /// What the owner's answer <paramref name="result"/> makes of a message; takes <paramref name="batch"/> over and gives it
    /// back unless a call failed. Applied (the common answer) completes at once, anything else in <see cref="RefusedCallAsync"/>.
    /// </summary>
    private ValueTask<IngestOutcome> AfterCallAsync(Sender sender, Reading[] batch, IngestResult result, CancellationToken cancellationToken)
    {
        if (result.Refused != RejectReason.None) return RefusedCallAsync(sender, batch, result, cancellationToken);
        _batches.Return(batch);
        return ValueTask.FromResult(IngestOutcome.Accepted);
    }

    /// <summary>
    /// The owner refused the message: in external mode an owner that does not know the device is looked up again once; an
    /// MQTT 3.1.1 client over its quota is held and the call made again; then the refusal is replied and acknowledged.
    /// </summary>
    private async ValueTask<IngestOutcome> RefusedCallAsync(Sender sender, Reading[] batch, IngestResult result, CancellationToken cancellationToken)
    {
        var (deviceId, replies, gate) = (sender.DeviceId, sender.Replies, sender.Gate);
        var reuse = true;
        try
        {
            var held = 0L;
            while (true)
            {
                if (result.Refused == RejectReason.UnknownDevice && sender.Owners is not null)
                {
                    try
                    {
                        result = await RetryWithFreshOwnerAsync(sender, batch, result);
                    }
                    catch (Exception ex)
                    {
                        reuse = false;
                        return CallFailed(deviceId, ex);
                    }
                }
                if (!sender.HoldOnQuota || result.Refused != RejectReason.QuotaExceeded) break;
                // MQTT 3.1.1: no negative PUBACK exists, so the ack waits until the quota has room for the batch
                // (the bucket refills batch / rate seconds at most); past Osr:Mqtt:Flood:MaxHold, or for a batch
                // larger than the whole bucket, the connection closes unacknowledged and the client sends it again.
                var wait = QuotaHold.WaitTicks(batch.Length, _ingest.MaxReadingsPerSecond, _ingest.Burst);
                if (wait < 0 || held + wait > _flood.MaxHold.Ticks)
                {
                    counters.Rejected(RejectReason.QuotaExceeded, batch.Length);
                    counters.MessageRefused();
                    return new(MqttPubAckReasonCode.QuotaExceeded, "quota exceeded; resend later", true);
                }
                counters.MessageHeld();
                held += wait;
                await Task.Delay(TimeSpan.FromTicks(wait), time.Provider, cancellationToken);
                try
                {
                    result = await sender.Owner!.IngestAsync(deviceId, batch);
                }
                catch (Exception ex)
                {
                    reuse = false;
                    return CallFailed(deviceId, ex);
                }
            }

            switch (result.Refused)
            {
                case RejectReason.None:
                    return IngestOutcome.Accepted;
                case RejectReason.QuotaExceeded:
                    counters.Rejected(RejectReason.QuotaExceeded, batch.Length);
                    counters.MessageRefused();
                    await ReplyAsync(replies, gate, deviceId, batch[0].Seq, RejectReason.QuotaExceeded,
                        $"{batch.Length} reading(s) refused: over the per-device rate limit");
                    return new(MqttPubAckReasonCode.QuotaExceeded, "quota exceeded", false);
                case RejectReason.SeqJump:
                    return await RefuseAsync(replies, gate, deviceId, result.Refused, MqttPubAckReasonCode.ImplementationSpecificError,
                        "seq jumps further above the last applied reading than Osr:Ingest:MaxSeqJump allows; register the device again to restart its sequence");
                case RejectReason.TsJump:
                    return await RefuseAsync(replies, gate, deviceId, result.Refused, MqttPubAckReasonCode.ImplementationSpecificError,
                        "ts is further ahead of the user's event time (and of the wall clock) than Osr:Clock:MaxEventLead allows");
                default:
                    return await RefuseAsync(replies, gate, deviceId, result.Refused, MqttPubAckReasonCode.NotAuthorized, null);
            }
        }
        finally
        {
            if (reuse) _batches.Return(batch);
        }
    }

    private ReadingsCall RentCall()
    {
        if (!_calls.TryDequeue(out var call)) return new ReadingsCall(this);
        Interlocked.Decrement(ref _pooledCalls);
        return call;
    }

    private void ReturnCall(ReadingsCall call)
    {
        if (Interlocked.Increment(ref _pooledCalls) > MaxPooledCalls)
        {
            Interlocked.Decrement(ref _pooledCalls);
            return;
        }
        _calls.Enqueue(call);
    }

    /// <summary>
    /// One message's wait for its owner's call, without an async method: the grain call's awaiter continues here, and the
    /// message's <see cref="ValueTask{TResult}"/> is this object (<see cref="IValueTaskSource{TResult}"/>), which goes back
    /// to the pipeline's pool when the broker has taken the outcome. So a message that is simply applied allocates
    /// nothing of its own while it waits; a refused one continues in <see cref="AfterCallAsync"/>.
    /// </summary>
    private sealed class ReadingsCall(IngestPipeline pipeline) : IValueTaskSource<IngestOutcome>
    {
        private ManualResetValueTaskSourceCore<IngestOutcome> _core;
        private ConfiguredValueTaskAwaitable<IngestResult>.ConfiguredValueTaskAwaiter _call;
        private Action? _onCallCompleted;
        private Sender _sender;
        private Reading[]? _batch;
        private CancellationToken _cancellationToken;

        /// <summary>Makes the owner's call for <paramref name="batch"/> (taken over) and returns the message's outcome to come.</summary>
        public ValueTask<IngestOutcome> Start(Sender sender, Reading[] batch, CancellationToken cancellationToken)
        {
            var version = _core.Version;
            (_sender, _batch, _cancellationToken) = (sender, batch, cancellationToken);
            try
            {
                _call = sender.Owner!.IngestAsync(sender.DeviceId, batch).ConfigureAwait(false).GetAwaiter();
            }
            catch (Exception ex)
            {
                Complete(pipeline.CallFailed(sender.DeviceId, ex));
                return new ValueTask<IngestOutcome>(this, version);
            }
            if (_call.IsCompleted) OnCallCompleted();
            else _call.UnsafeOnCompleted(_onCallCompleted ??= OnCallCompleted);
            return new ValueTask<IngestOutcome>(this, version);
        }

        private void OnCallCompleted()
        {
            var call = _call;
            _call = default;
            IngestResult result;
            try
            {
                result = call.GetResult();
            }
            catch (Exception ex)
            {
                Complete(pipeline.CallFailed(_sender.DeviceId, ex));
                return;
            }
            var after = pipeline.AfterCallAsync(_sender, _batch!, result, _cancellationToken);
            if (after.IsCompletedSuccessfully) Complete(after.Result);
            else _ = RelayAsync(after);
        }

        /// <summary>A refused message's outcome (it replies, or waits for the quota): rare, so an async method may carry it.</summary>
        private async Task RelayAsync(ValueTask<IngestOutcome> after)
        {
            IngestOutcome outcome;
            try
            {
                outcome = await after.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Forget();
                _core.SetException(ex);
                return;
            }
            Complete(outcome);
        }

        /// <summary>Sets the outcome; the broker's continuation may run (and give this object back) inside, so it comes last.</summary>
        private void Complete(IngestOutcome outcome)
        {
            Forget();
            _core.SetResult(outcome);
        }

        private void Forget() => (_sender, _batch, _cancellationToken) = (default, null, default);

        public IngestOutcome GetResult(short token)
        {
            // Only a finished call goes back to the pool: asked early (the core throws), it is still in use.
            var mine = token == _core.Version && _core.GetStatus(token) != ValueTaskSourceStatus.Pending;
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                if (mine)
                {
                    _core.Reset();
                    pipeline.ReturnCall(this);
                }
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    private async ValueTask<IngestOutcome> IngestEventAsync(Sender sender, ReadOnlySequence<byte> payload)
    {
        var (deviceId, replies, gate) = (sender.DeviceId, sender.Replies, sender.Gate);
        using var activity = OsrTracing.Source.StartActivity(OsrTracing.Ingest, ActivityKind.Consumer);
        activity?.SetTag("osr.device", deviceId).SetTag("osr.topic", "events");
        var deviceEvent = EventParser.Parse(payload, time.UtcTicks, _validation, out var reason, out var detail);
        if (deviceEvent is null) return await RefuseAsync(replies, gate, deviceId, reason, MqttPubAckReasonCode.PayloadFormatInvalid, detail);

        RejectReason result;
        try
        {
            result = await RecordEventOnceAsync(sender, deviceEvent);
        }
        catch (Exception ex)
        {
            IngressLog.IngestFailed(logger, ex, deviceId);
            return new(MqttPubAckReasonCode.UnspecifiedError, "internal error; retry", true);
        }

        switch (result)
        {
            case RejectReason.None:
                counters.EventAccepted();
                return IngestOutcome.Accepted;
            case RejectReason.QuotaExceeded:
                return await RefuseAsync(replies, gate, deviceId, result, MqttPubAckReasonCode.QuotaExceeded, "over the per-device rate limit");
            case RejectReason.UnknownNotification:
                return await RefuseAsync(replies, gate, deviceId, result, MqttPubAckReasonCode.ImplementationSpecificError,
                    "notificationId is not a notification sent to this device's user");
            case RejectReason.Unsupported:
                return await RefuseAsync(replies, gate, deviceId, result, MqttPubAckReasonCode.ImplementationSpecificError, "event not supported");
            default:
                return await RefuseAsync(replies, gate, deviceId, result, MqttPubAckReasonCode.NotAuthorized, null);
        }
    }

    private async ValueTask<IngestOutcome> RefuseAsync(IDeviceChannel replies, FloodGate? gate, string deviceId, RejectReason reason,
        MqttPubAckReasonCode code, string? detail)
    {
        counters.MessageRefused();
        counters.Rejected(reason);
        IngressLog.MessageRefused(logger, deviceId, reason.Code());
        await ReplyAsync(replies, gate, deviceId, null, reason, detail);
        return new(code, reason.Code(), false);
    }

    private async Task PublishRejectionsAsync(IDeviceChannel replies, FloodGate? gate, string deviceId, List<ReadingRejection> rejected)
    {
        if (rejected.Count == 0) return;
        var n = Math.Min(rejected.Count, MaxErrorMessagesPerPublish);
        for (var i = 0; i < n; i++)
        {
            var r = rejected[i];
            await ReplyAsync(replies, gate, deviceId, r.Seq, r.Reason, r.Detail);
        }
        if (rejected.Count > n)
        {
            await ReplyAsync(replies, gate, deviceId, null, rejected[n].Reason,
                $"{rejected.Count - n} more rejected reading(s) in this message not listed");
        }
    }

    private ParseBuffers RentBuffers() => _buffers.TryDequeue(out var b) ? b : new ParseBuffers();

    private void ReturnBuffers(ParseBuffers buffers)
    {
        if (buffers.Accepted.Capacity > 1024 || buffers.Rejected.Capacity > 1024 || _buffers.Count > 256) return;
        buffers.Accepted.Clear();
        buffers.Rejected.Clear();
        _buffers.Enqueue(buffers);
    }

    private sealed class ParseBuffers
    {
        public readonly List<Reading> Accepted = new(16);
        public readonly List<ReadingRejection> Rejected = new(4);
    }
}
