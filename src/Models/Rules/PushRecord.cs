namespace Osr.Orleans.Models.Rules;

/// <summary>
/// One push already sent to this user (the history the throttle keeps). <see cref="Factor"/> is
/// the item's ALS factor; null means only the category counts for similarity.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.push-record")]
public sealed record PushRecord(
    [property: Id(0)] string NotificationId,
    [property: Id(1)] string ItemId,
    [property: Id(2)] string Category,
    [property: Id(3)] long SentUtcTicks,
    [property: Id(4)] float[]? Factor);
