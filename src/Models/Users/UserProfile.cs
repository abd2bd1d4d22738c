namespace Osr.Orleans.Models.Users;

/// <summary>
/// What we know about a person from the users CSV (docs/contract.md "Files"): age (for max heart
/// rate), IANA time zone (for quiet hours, local hour features), segment (free text).
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.user-profile")]
public sealed record UserProfile(
    [property: Id(0)] int? Age,
    [property: Id(1)] string TimeZoneId,
    [property: Id(2)] string? Segment)
{
    public static UserProfile Default { get; } = new(null, "UTC", null);
}
