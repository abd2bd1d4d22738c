using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using MQTTnet;
using Osr.Orleans.Client.Output;

namespace Osr.Orleans.Client.Simulation;

/// <summary>A notification (docs/contract.md "Notification") as a simulated user's watch received it.</summary>
/// <param name="ReceivedTimestamp">When it arrived (<see cref="TimeProvider.GetTimestamp"/> units).</param>
public sealed record ReceivedNotification(
    SimUser User,
    string DeviceId,
    string NotificationId,
    string ItemId,
    string Category,
    double Osr,
    double Affinity,
    double Propensity,
    string State,
    DateTimeOffset Ts,
    DateTimeOffset? ExpiresAt,
    long ReceivedTimestamp);

/// <summary>
/// The receiving side of the simulation: every user's watch subscribes (QoS 1) to
/// <c>osr/v1/users/{userId}/notifications</c>; each notification is parsed, de-duplicated by id (QoS 1 may
/// redeliver), counted, remembered as the user's latest (for <c>--watch</c>) and queued for the feedback responder.
/// Malformed payloads and notifications for users not in the plan are counted and dropped.
/// </summary>
public sealed class NotificationListener
{
    private readonly Dictionary<string, SimUser> _users;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ReceivedNotification> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedNotification> _queue = new();
    private long _received;
    private long _duplicates;
    private long _malformed;
    private long _lastReceived = long.MinValue;

    public NotificationListener(IReadOnlyList<SimUser> users, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(users);
        _users = users.ToDictionary(u => u.UserId, StringComparer.Ordinal);
        _time = time;
    }

    public static string NotificationsTopic(string userId) => Models.Broker.ContractTopics.Notifications(userId);

    public static string EventsTopic(string deviceId) => Models.Broker.ContractTopics.Events(deviceId);

    /// <summary>Distinct notifications received.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Redeliveries of a notification already received.</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Payloads that were not a notification of a simulated user.</summary>
    public long Malformed => Volatile.Read(ref _malformed);

    /// <summary>Whether the notification <paramref name="notificationId"/> has been received.</summary>
    public bool HasReceived(string notificationId) => _seen.ContainsKey(notificationId);

    /// <summary>The latest notification of <paramref name="userId"/>, if any.</summary>
    public ReceivedNotification? Latest(string userId) => _latest.TryGetValue(userId, out var n) ? n : null;

    /// <summary>Takes the next queued notification (for the feedback responder or the backtest).</summary>
    public bool TryDequeue(out ReceivedNotification notification) => _queue.TryDequeue(out notification!);

    /// <summary>Handles a message on a watch's notifications topic.</summary>
    public Task OnMessageAsync(DeviceSimulator watch, MqttApplicationMessageReceivedEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentNullException.ThrowIfNull(e);
        Accept(watch.DeviceId, e.ApplicationMessage.Payload);
        return Task.CompletedTask;
    }

    /// <summary>Parses and records one notification payload received by <paramref name="deviceId"/>; false if it was dropped.</summary>
    public bool Accept(string deviceId, ReadOnlySequence<byte> payload)
    {
        var message = Parse(payload);
        if (message is null || !_users.TryGetValue(message.UserId, out var user))
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }

        if (!_seen.TryAdd(message.NotificationId, 0))
        {
            Interlocked.Increment(ref _duplicates);
            return false;
        }

        var now = _time.GetTimestamp();
        var n = new ReceivedNotification(user, deviceId, message.NotificationId, message.ItemId, message.Category ?? "",
            message.Osr ?? double.NaN, message.Affinity ?? double.NaN, message.Propensity ?? double.NaN, message.State ?? "unknown",
            message.Ts!.Value, message.ExpiresAt, now);
        _latest[user.UserId] = n;
        _queue.Enqueue(n);
        Interlocked.Increment(ref _received);
        Volatile.Write(ref _lastReceived, now);
        return true;
    }

    internal static NotificationMessage? Parse(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            var message = JsonSerializer.Deserialize(ref reader, BacktestJsonContext.Default.NotificationMessage);
            return message is { NotificationId.Length: > 0, UserId.Length: > 0, ItemId.Length: > 0, Ts: not null } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until no notification arrived for <paramref name="quiet"/>, at most <paramref name="cap"/> in all (a bounded
    /// wait for the decisions a slice of readings triggered, not a fixed sleep).
    /// </summary>
    public async Task WaitQuietAsync(TimeSpan quiet, TimeSpan cap, CancellationToken ct)
    {
        var started = _time.GetTimestamp();
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, Math.Min(quiet.Ticks / 10, 20 * TimeSpan.TicksPerMillisecond)));
        while (true)
        {
            var now = _time.GetTimestamp();
            var last = Math.Max(started, Volatile.Read(ref _lastReceived));
            if (_time.GetElapsedTime(last, now) >= quiet || _time.GetElapsedTime(started, now) >= cap) return;
            await Task.Delay(tick, _time, ct).ConfigureAwait(false);
        }
    }
}

/// <summary>One feedback event (docs/contract.md "Events"): <c>{"type":"feedback","notificationId":"…","action":"…","ts":"…","eventId":"…"}</c>.</summary>
public readonly record struct FeedbackEvent(string NotificationId, string Action, DateTimeOffset Ts)
{
    public const string Delivered = "delivered";
    public const string Opened = "opened";
    public const string Converted = "converted";
    public const string Dismissed = "dismissed";

    /// <summary>
    /// The optional <c>eventId</c> (docs/contract.md, "External broker"): <c>{notificationId}:{action}</c>, stable across
    /// re-sends, or null when that would exceed 64 characters.
    /// </summary>
    public string? EventId => NotificationId.Length + 1 + Action.Length <= 64 ? $"{NotificationId}:{Action}" : null;

    /// <summary>The event's JSON (ts with milliseconds and Z, and <see cref="EventId"/>).</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "feedback"u8);
            writer.WriteString("notificationId"u8, NotificationId);
            writer.WriteString("action"u8, Action);
            writer.WriteString("ts"u8, Ts.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            if (EventId is { } id) writer.WriteString("eventId"u8, id);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>What a simulated person does with a notification: the world's P(accept) and the feedback events.</summary>
public sealed record FeedbackPlan(double Probability, bool Opened, bool Converted, FeedbackEvent[] Events);

/// <summary>
/// How a simulated person answers a notification. With p = the <see cref="World"/>'s P(accept) for their TRUE state
/// at the notification's <c>ts</c> and the item's category, and u uniform from (seed, user, ts, item):
/// <list type="bullet">
/// <item><c>delivered</c> at ts + 1–3 s, always;</item>
/// <item>u &lt; p: <c>opened</c> at ts + 5–30 s, then <c>converted</c> 10–30 s later;</item>
/// <item>p ≤ u &lt; p + (1 − p)·<see cref="OpenWithoutConverting"/>: <c>opened</c> only (curious, not convinced);</item>
/// <item>otherwise <c>dismissed</c> at ts + 5–30 s.</item>
/// </list>
/// So P(converted) = p and P(opened) = p + 0.25·(1 − p).
/// </summary>
public static class FeedbackModel
{
    /// <summary>Share of not-accepted notifications that are still opened.</summary>
    public const double OpenWithoutConverting = 0.25;

    private const ulong Salt = 0xFEED_BAC4UL;

    public static FeedbackPlan Plan(World world, ReceivedNotification n, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(n);
        var p = world.Probability(n.User.Script, n.Category, n.Ts);
        return Plan(p, n.NotificationId, n.Ts, Key(seed, n.User.Index, n.Ts, n.ItemId));
    }

    /// <summary>The draw key of a notification: a pure function of (seed, user, ts, item), not of the silo's random ids.</summary>
    public static ulong Key(ulong seed, int userIndex, DateTimeOffset ts, string itemId) =>
        SimRandom.Hash(SimRandom.Hash(seed ^ Salt, (ulong)userIndex), (ulong)ts.UtcTicks, DemoCatalog.StableHash(itemId));

    public static FeedbackPlan Plan(double p, string notificationId, DateTimeOffset ts, ulong key)
    {
        var u = SimRandom.Uniform(key, 0);
        var events = new List<FeedbackEvent>(3) { new(notificationId, FeedbackEvent.Delivered, ts + Seconds(key, 1, 1, 3)) };
        var converted = u < p;
        var opened = converted || u < p + (1 - p) * OpenWithoutConverting;
        if (opened)
        {
            var openedAt = ts + Seconds(key, 2, 5, 30);
            events.Add(new(notificationId, FeedbackEvent.Opened, openedAt));
            if (converted) events.Add(new(notificationId, FeedbackEvent.Converted, openedAt + Seconds(key, 3, 10, 30)));
        }
        else
        {
            events.Add(new(notificationId, FeedbackEvent.Dismissed, ts + Seconds(key, 4, 5, 30)));
        }

        return new FeedbackPlan(p, opened, converted, [.. events]);
    }

    private static TimeSpan Seconds(ulong key, int channel, double min, double max) =>
        TimeSpan.FromMilliseconds(Math.Round(SimRandom.Between(key, channel, min, max) * 1000));
}
