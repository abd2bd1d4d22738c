namespace Osr.Orleans.Models.Catalog;

/// <summary>An implicit-feedback action (docs/contract.md "Events"); each has a configurable ALS confidence weight.</summary>
public enum InteractionAction : byte { View, Like, Follow, Purchase, Train }

public static class InteractionActions
{
    public static string Name(this InteractionAction action) => action switch
    {
        InteractionAction.View => "view",
        InteractionAction.Like => "like",
        InteractionAction.Follow => "follow",
        InteractionAction.Purchase => "purchase",
        _ => "train",
    };

    public static bool TryParse(ReadOnlySpan<char> text, out InteractionAction action)
    {
        switch (text)
        {
            case "view": action = InteractionAction.View; return true;
            case "like": action = InteractionAction.Like; return true;
            case "follow": action = InteractionAction.Follow; return true;
            case "purchase": action = InteractionAction.Purchase; return true;
            case "train": action = InteractionAction.Train; return true;
            default: action = default; return false;
        }
    }
}

/// <summary>
/// One interaction: <c>userId,itemId,action,ts</c>; <see cref="EventId"/> is the device's own id of the event (its
/// <c>eventId</c>), under which a user's interaction is stored once however often it is sent.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.interaction")]
public readonly record struct InteractionRecord(
    [property: Id(0)] string UserId,
    [property: Id(1)] string ItemId,
    [property: Id(2)] InteractionAction Action,
    [property: Id(3)] long TimestampUtcTicks,
    [property: Id(4)] string? EventId = null)
{
    public DateTimeOffset Timestamp => new(TimestampUtcTicks, TimeSpan.Zero);
}
