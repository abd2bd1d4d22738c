using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Models.Events;
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
/// hand to the device's grain, decide the acknowledgement, report every rejection on the device's <c>errors</c>
/// topic. The broker in front (embedded: <see cref="MqttIngress"/>; external: <see cref="ExternalBroker"/>) has
/// already established which device sent the message and turns the <see cref="IngestOutcome"/> into its PUBACK.
/// </summary>
public sealed class IngestPipeline(
    IOptions<MqttOptions> mqttOptions,
    IOptions<ClockOptions> clockOptions,
    IngestCounters counters,
    OsrClock time,
    ILogger<IngestPipeline> logger)
{
    private const int MaxErrorMessagesPerPublish = 20;

    private readonly ReadingValidationOptions _validation = clockOptions.Value.ToValidationOptions(mqttOptions.Value.MaxPayloadBytes);
    private readonly ConcurrentQueue<ParseBuffers> _buffers = new();

    /// <summary>Handles one message that <paramref name="deviceId"/> published on <paramref name="topic"/>; errors go out through <paramref name="replies"/>.</summary>
    public ValueTask<IngestOutcome> HandleAsync(DeviceTopic topic, string deviceId, IDeviceGrain grain, ReadOnlySequence<byte> payload,
        IDeviceChannel replies)
    {
        counters.MessageReceived();
        return topic switch
        {
            DeviceTopic.Readings => IngestReadingsAsync(deviceId, grain, payload, replies),
            DeviceTopic.Events => IngestEventAsync(deviceId, grain, payload, replies),
            _ => RefuseAsync(replies, deviceId, RejectReason.WrongTopic, MqttPubAckReasonCode.NotAuthorized,
                "a device may publish only to osr/v1/devices/{its id}/readings and /events"),
        };
    }

    private async ValueTask<IngestOutcome> IngestReadingsAsync(string deviceId, IDeviceGrain grain, ReadOnlySequence<byte> payload, IDeviceChannel replies)
    {
        using var activity = OsrTracing.Source.StartActivity(OsrTracing.Ingest, ActivityKind.Consumer);
        activity?.SetTag("osr.device", deviceId).SetTag("osr.topic", "readings");
        var buffers = RentBuffers();
        try
        {
            var outcome = ReadingParser.Parse(payload, time.UtcTicks, _validation, buffers.Accepted, buffers.Rejected);
            if (outcome.IsRefused) return await RefuseAsync(replies, deviceId, outcome.Refusal, MqttPubAckReasonCode.PayloadFormatInvalid, outcome.Detail);

            foreach (var r in buffers.Rejected) counters.Rejected(r.Reason);
            await PublishRejectionsAsync(replies, deviceId, buffers.Rejected);
            if (buffers.Accepted.Count == 0) return new(MqttPubAckReasonCode.PayloadFormatInvalid, "no valid reading", false);

            var batch = buffers.Accepted.ToArray();
            IngestResult result;
            try
            {
                result = await grain.IngestAsync(batch);
            }
            catch (Exception ex)
            {
                IngressLog.IngestFailed(logger, ex, deviceId);
                return new(MqttPubAckReasonCode.UnspecifiedError, "internal error; retry", true);
            }

            switch (result.Refused)
            {
                case RejectReason.None:
                    return IngestOutcome.Accepted;
                case RejectReason.QuotaExceeded:
                    counters.MessageRefused();
                    await replies.PublishAsync(Topics.Errors(deviceId),
                        ErrorMessage.Serialize(batch[0].Seq, RejectReason.QuotaExceeded,
                            $"{batch.Length} reading(s) refused: over the per-device rate limit"), MqttQualityOfServiceLevel.AtMostOnce);
                    return new(MqttPubAckReasonCode.QuotaExceeded, "quota exceeded", false);
                case RejectReason.SeqJump:
                    return await RefuseAsync(replies, deviceId, result.Refused, MqttPubAckReasonCode.ImplementationSpecificError,
                        "seq jumps further above the last applied reading than Osr:Ingest:MaxSeqJump allows; register the device again to restart its sequence");
                default:
                    return await RefuseAsync(replies, deviceId, result.Refused, MqttPubAckReasonCode.NotAuthorized, null);
            }
        }
        finally
        {
            ReturnBuffers(buffers);
        }
    }

    private async ValueTask<IngestOutcome> IngestEventAsync(string deviceId, IDeviceGrain grain, ReadOnlySequence<byte> payload, IDeviceChannel replies)
    {
        using var activity = OsrTracing.Source.StartActivity(OsrTracing.Ingest, ActivityKind.Consumer);
        activity?.SetTag("osr.device", deviceId).SetTag("osr.topic", "events");
        var deviceEvent = EventParser.Parse(payload, time.UtcTicks, _validation, out var reason, out var detail);
        if (deviceEvent is null) return await RefuseAsync(replies, deviceId, reason, MqttPubAckReasonCode.PayloadFormatInvalid, detail);

        RejectReason result;
        try
        {
            result = await grain.RecordEventAsync(deviceEvent);
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
                return await RefuseAsync(replies, deviceId, result, MqttPubAckReasonCode.QuotaExceeded, "over the per-device rate limit");
            case RejectReason.UnknownNotification:
                return await RefuseAsync(replies, deviceId, result, MqttPubAckReasonCode.ImplementationSpecificError,
                    "notificationId is not a notification sent to this device's user");
            case RejectReason.Unsupported:
                return await RefuseAsync(replies, deviceId, result, MqttPubAckReasonCode.ImplementationSpecificError, "event not supported");
            default:
                return await RefuseAsync(replies, deviceId, result, MqttPubAckReasonCode.NotAuthorized, null);
        }
    }

    private async ValueTask<IngestOutcome> RefuseAsync(IDeviceChannel replies, string deviceId, RejectReason reason, MqttPubAckReasonCode code, string? detail)
    {
        counters.MessageRefused();
        counters.Rejected(reason);
        IngressLog.MessageRefused(logger, deviceId, reason.Code());
        await replies.PublishAsync(Topics.Errors(deviceId), ErrorMessage.Serialize(null, reason, detail), MqttQualityOfServiceLevel.AtMostOnce);
        return new(code, reason.Code(), false);
    }

    private static async Task PublishRejectionsAsync(IDeviceChannel replies, string deviceId, List<ReadingRejection> rejected)
    {
        if (rejected.Count == 0) return;
        var topic = Topics.Errors(deviceId);
        var n = Math.Min(rejected.Count, MaxErrorMessagesPerPublish);
        for (var i = 0; i < n; i++)
        {
            var r = rejected[i];
            await replies.PublishAsync(topic, ErrorMessage.Serialize(r.Seq, r.Reason, r.Detail), MqttQualityOfServiceLevel.AtMostOnce);
        }
        if (rejected.Count > n)
        {
            await replies.PublishAsync(topic, ErrorMessage.Serialize(null, rejected[n].Reason,
                $"{rejected.Count - n} more rejected reading(s) in this message not listed"), MqttQualityOfServiceLevel.AtMostOnce);
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
