namespace Osr.Orleans.Grains.Interfaces;

/// <summary>A filtered scalar estimate: value and 1σ uncertainty, both null while unknown.</summary>
[GenerateSerializer, Immutable, Alias("osr.channel-view")]
public readonly record struct ChannelView(
    [property: Id(0)] double? Value,
    [property: Id(1)] double? Std);

[GenerateSerializer, Immutable, Alias("osr.position-view")]
public readonly record struct PositionView(
    [property: Id(0)] double? Lat,
    [property: Id(1)] double? Lon,
    [property: Id(2)] double? Std);

[GenerateSerializer, Immutable, Alias("osr.estimate-view")]
public sealed record EstimateView(
    [property: Id(0)] ChannelView Hr,
    [property: Id(1)] ChannelView Speed,
    [property: Id(2)] ChannelView Cadence,
    [property: Id(3)] ChannelView Acc,
    [property: Id(4)] PositionView Position,
    [property: Id(5)] double? HrTrendPerMin);

[GenerateSerializer, Immutable, Alias("osr.feature-value")]
public readonly record struct FeatureValue(
    [property: Id(0)] string Name,
    [property: Id(1)] double? Value);

[GenerateSerializer, Immutable, Alias("osr.reading-view")]
public readonly record struct ReadingView(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] long Seq,
    [property: Id(2)] DateTimeOffset Ts,
    [property: Id(3)] double? Hr,
    [property: Id(4)] double? Speed,
    [property: Id(5)] double? Cadence,
    [property: Id(6)] double? Acc,
    [property: Id(7)] double? Lat,
    [property: Id(8)] double? Lon);

[GenerateSerializer, Immutable, Alias("osr.device-ref")]
public readonly record struct DeviceRef(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] string Kind,
    [property: Id(2)] bool Revoked = false);

/// <summary>Filter health per channel: outliers gated and the running mean NIS.</summary>
[GenerateSerializer, Immutable, Alias("osr.filter-health")]
public readonly record struct FilterHealth(
    [property: Id(0)] string Channel,
    [property: Id(1)] long Updates,
    [property: Id(2)] long Outliers,
    [property: Id(3)] double? MeanNis);

/// <summary>What <c>osr-admin user show</c> prints (docs/contract.md <c>user show --json</c>).</summary>
[GenerateSerializer, Immutable, Alias("osr.user-snapshot")]
public sealed record UserSnapshot(
    [property: Id(0)] string UserId,
    [property: Id(1)] string Label,
    [property: Id(2)] DateTimeOffset? LabelSince,
    [property: Id(3)] EstimateView Estimate,
    [property: Id(4)] FeatureValue[] Features,
    [property: Id(5)] ReadingView[] LastReadings,
    [property: Id(6)] DeviceRef[] Devices,
    [property: Id(7)] FilterHealth[] Filters,
    [property: Id(8)] int? Age,
    [property: Id(9)] string TimeZone,
    [property: Id(10)] string? Segment,
    [property: Id(11)] DateTimeOffset? LastReadingAt,
    [property: Id(12)] long ReadingsApplied,
    [property: Id(13)] DateTimeOffset? LastCheckpointAt,
    [property: Id(14)] CandidateView[] Candidates,
    [property: Id(15)] ScoredCandidate[] Scored,
    [property: Id(16)] DecisionView[] Decisions);
