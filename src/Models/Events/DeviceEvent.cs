using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Models.Events;

public enum DeviceEventType : byte { Interaction, Feedback }

public enum FeedbackAction : byte { Delivered, Opened, Converted, Dismissed }

/// <summary>
/// One message of a device's <c>events</c> topic (docs/contract.md "Events"): an interaction
/// (<see cref="ItemId"/>, <see cref="Action"/>) or a notification feedback
/// (<see cref="NotificationId"/>, <see cref="Feedback"/>), at <see cref="TimestampUtcTicks"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.device-event")]
public sealed record DeviceEvent(
    [property: Id(0)] DeviceEventType Type,
    [property: Id(1)] string? ItemId,
    [property: Id(2)] InteractionAction Action,
    [property: Id(3)] string? NotificationId,
    [property: Id(4)] FeedbackAction Feedback,
    [property: Id(5)] long TimestampUtcTicks,
    [property: Id(6)] string? EventId = null);
