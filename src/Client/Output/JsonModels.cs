using System.Text.Json.Serialization;

namespace Osr.Orleans.Client.Output;

// Shapes of `--json` output. Property names are CONTRACT.md's (camelCase via AdminJsonContext);
// unknown values are written as null, never as a made-up number. Fields may be added, never renamed.

public sealed record RegisteredDeviceJson(string DeviceId, string UserId, string Secret);

public sealed record UsersImportJson(int Imported, string[] UserIds);

public sealed record ItemsImportJson(int Imported);

/// <summary>
/// <c>interactions import --json</c>: <c>imported</c> rows stored by this run; when <c>complete</c> is false
/// the run stopped part-way and <c>nextSkip</c> / <c>resumeLine</c> say where to resume.
/// </summary>
public sealed record InteractionsImportJson(int Imported, int Skipped, int Rows, int Chunks, string Layout, bool Complete, int? NextSkip, int? ResumeLine);

public sealed record ChannelJson(double? Value, double? Std);

public sealed record PositionJson(double? Lat, double? Lon, double? Std);

public sealed record EstimateJson(ChannelJson Hr, ChannelJson Speed, ChannelJson Cadence, ChannelJson Acc, PositionJson Position, double? HrTrendPerMin);

/// <summary>
/// One candidate of <c>user show --json</c>: <c>propensity</c> and <c>osr</c> stay null until the decision
/// layer scores candidates; <c>source</c> is als, fold-in, popular-segment or popular.
/// </summary>
public sealed record CandidateJson(string ItemId, string Category, double? Affinity, double? Propensity, double? Osr, string Source, string ModelVersion);

public sealed record DecisionJson(string NotificationId, string ItemId, DateTimeOffset Ts, string Outcome, string? Reason, double? Osr, double? Threshold);

public sealed record ReadingJson(string DeviceId, long Seq, DateTimeOffset Ts, double? Hr, double? Speed, double? Cadence, double? Acc, double? Lat, double? Lon);

public sealed record DeviceJson(string DeviceId, string Kind);

public sealed record FilterJson(string Channel, long Updates, long Outliers, double? MeanNis);

public sealed record ProfileJson(int? Age, string TimeZone, string? Segment);

public sealed record UserShowJson(
    string UserId,
    string Label,
    DateTimeOffset? LabelSince,
    EstimateJson Estimate,
    Dictionary<string, double?> Features,
    CandidateJson[] Candidates,
    DecisionJson[] Decisions,
    ReadingJson[] LastReadings,
    DeviceJson[] Devices,
    FilterJson[] Filters,
    ProfileJson Profile,
    DateTimeOffset? LastReadingAt,
    long ReadingsApplied,
    DateTimeOffset? LastCheckpointAt);

public sealed record ReadingStatsJson(long Accepted, long Duplicate, Dictionary<string, long> Rejected);

public sealed record DecisionStatsJson(long Sent, Dictionary<string, long> Suppressed);

public sealed record NotificationStatsJson(long Sent, long Delivered, long Opened, long Converted, long Dismissed);

public sealed record ConversionJson(double? Overall, Dictionary<string, double?> ByModel, Dictionary<string, double?> BySegment, Dictionary<string, double?> ByArm);

public sealed record StatsJson(
    ReadingStatsJson Readings,
    DecisionStatsJson Decisions,
    NotificationStatsJson Notifications,
    ConversionJson Conversion,
    Dictionary<string, long> Messages,
    Dictionary<string, long> Connects,
    Dictionary<string, long> Counters,
    string[] Silos,
    DateTimeOffset Since,
    DateTimeOffset AsOf,
    SiloJson[] SiloHealth);

/// <summary>One live silo's gauges (managed heap, working set, active grains, MQTT connections).</summary>
public sealed record SiloJson(string Silo, DateTimeOffset At, long HeapBytes, long WorkingSetBytes, int ActiveUsers, int ActiveDevices, int MqttConnections);

public sealed record LatencyJson(long Count, double? P50, double? P99, double? P999, double? Max, double? Mean);

public sealed record SimulationJson(
    int Users,
    int Devices,
    int Connected,
    Dictionary<string, long> ConnectFailures,
    long Published,
    long Acked,
    Dictionary<string, long> Refused,
    long Failed,
    Dictionary<string, long> FailuresByReason,
    long ReadingsPublished,
    long ReadingsAcked,
    long ReadingsDropped,
    long ErrorsReceived,
    Dictionary<string, long> ErrorsByReason,
    long Reconnects,
    double DurationSeconds,
    double TargetRate,
    double AchievedRate,
    LatencyJson LatencyMs);

/// <summary>
/// <c>model train --json</c>: the job as last seen. <c>state</c> is running, succeeded or failed; <c>metrics</c>
/// (keys as in the model manifest: <c>recall@10</c>, …, <c>popularity.recall@10</c>, …) is null until it succeeded.
/// </summary>
public sealed record TrainingJobJson(
    string JobId,
    string Kind,
    string State,
    string? Version,
    bool Promoted,
    string Message,
    Dictionary<string, double?>? Metrics,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    bool PromoteIfBetter,
    int Iteration,
    int Iterations,
    double? Loss);

/// <summary>One element of <c>model list --json</c> (CONTRACT.md).</summary>
public sealed record ModelVersionJson(
    string Kind,
    string Version,
    bool Active,
    DateTimeOffset CreatedAt,
    Dictionary<string, double?> Metrics,
    int Users,
    int Items,
    long Interactions);

/// <summary><c>model promote --json</c> and <c>model rollback --json</c> (only printed when the registry accepted it).</summary>
public sealed record RegistryResultJson(bool Ok, string Kind, string? ActiveVersion, string Message);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(RegisteredDeviceJson))]
[JsonSerializable(typeof(RegisteredDeviceJson[]))]
[JsonSerializable(typeof(UsersImportJson))]
[JsonSerializable(typeof(ItemsImportJson))]
[JsonSerializable(typeof(InteractionsImportJson))]
[JsonSerializable(typeof(UserShowJson))]
[JsonSerializable(typeof(StatsJson))]
[JsonSerializable(typeof(SimulationJson))]
[JsonSerializable(typeof(TrainingJobJson))]
[JsonSerializable(typeof(ModelVersionJson[]))]
[JsonSerializable(typeof(RegistryResultJson))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
