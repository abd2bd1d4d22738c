using System.Text.Json.Serialization;

namespace Osr.Orleans.Client.Output;

// Shapes of `--json` output. Property names are docs/contract.md's (camelCase via AdminJsonContext);
// unknown values are written as null, never as a made-up number. Fields may be added, never renamed.

public sealed record RegisteredDeviceJson(string DeviceId, string UserId, string Secret);

public sealed record RotatedDeviceJson(string DeviceId, string Secret);

public sealed record RevokedDeviceJson(string DeviceId, bool Revoked);

public sealed record UsersImportJson(int Imported, string[] UserIds);

/// <summary><c>users forget --json</c>: what was removed of the user, by kind.</summary>
public sealed record UsersForgetJson(string UserId, int Devices, int GrainStates, long Interactions, long Decisions, long Feedback,
    long OutboxEntries, long ProfileRows, long AuditEntriesRedacted);

public sealed record ItemsImportJson(int Imported);

/// <summary><c>audit show --json</c>: one admin change; <c>before</c> and <c>after</c> are JSON text (null when there was none).</summary>
public sealed record AuditEntryJson(long Id, string At, string Who, string Action, string Target, string? Before, string? After);

/// <summary>
/// <c>interactions import --json</c>: <c>imported</c> rows stored by this run; when <c>complete</c> is false
/// the run stopped part-way and <c>nextSkip</c> / <c>resumeLine</c> say where to resume.
/// </summary>
public sealed record InteractionsImportJson(int Imported, int Skipped, int Rows, int Chunks, string Layout, bool Complete, int? NextSkip, int? ResumeLine);

public sealed record ChannelJson(double? Value, double? Std);

public sealed record PositionJson(double? Lat, double? Lon, double? Std);

public sealed record EstimateJson(ChannelJson Hr, ChannelJson Speed, ChannelJson Cadence, ChannelJson Acc, PositionJson Position, double? HrTrendPerMin);

/// <summary>
/// One candidate of <c>user show --json</c>. With a scored state it is the user grain's scoring: <c>affinity</c>
/// (raw ALS dot product), <c>affinityZ</c> (standardised over the user's candidates), <c>propensity</c>,
/// <c>raw</c> = z × p and <c>osr</c> in [0, 1]; before that only the retrieval (<c>affinity</c>) is known and the
/// rest is null. <c>source</c> is als, fold-in, popular-segment or popular (null when retrieval no longer lists it).
/// </summary>
public sealed record CandidateJson(
    string ItemId,
    string Category,
    double? Affinity,
    double? Propensity,
    double? Osr,
    string? Source,
    string? ModelVersion,
    double? AffinityZ,
    double? Raw);

/// <summary>One rule's verdict in a decision: the rule's code (e.g. <c>gap.similar</c>), whether it passed, and why.</summary>
public sealed record RuleCheckJson(string Rule, bool Passed, string Detail);

/// <summary>
/// One decision of <c>user show --json</c>, newest first. <c>outcome</c> is sent or suppressed; <c>reason</c> is null
/// for a send by the rules, <c>explore</c> for an exploration send, else the code of the first failing rule (whose
/// <c>detail</c> says why). <c>ts</c> is the event time of the scored state, <c>decidedAt</c> when it was decided.
/// <c>feedback</c> is the latest feedback (delivered, opened, converted, dismissed) or null.
/// </summary>
public sealed record DecisionJson(
    string NotificationId,
    string ItemId,
    DateTimeOffset Ts,
    string Outcome,
    string? Reason,
    double? Osr,
    double? Threshold,
    string Category,
    string Detail,
    double? Affinity,
    double? Propensity,
    string Label,
    string? Feedback,
    RuleCheckJson[] Checks,
    DateTimeOffset DecidedAt,
    double? Raw,
    double? SendProbability,
    string Arm,
    string PropensityVersion,
    string? AlsVersion,
    DateTimeOffset? ExpiresAt);

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

/// <summary><c>sent</c> includes the <c>explored</c> sends (chosen by exploration below the threshold); <c>suppressed</c> is by rule code.</summary>
public sealed record DecisionStatsJson(long Sent, Dictionary<string, long> Suppressed, long Explored);

public sealed record NotificationStatsJson(long Sent, long Delivered, long Opened, long Converted, long Dismissed);

/// <summary>
/// A rate (conversion = converted / sent, or open rate = opened / sent) overall and per propensity model version,
/// user segment (<c>none</c> for users without one) and A/B arm; null where nothing was sent.
/// </summary>
public sealed record ConversionJson(double? Overall, Dictionary<string, double?> ByModel, Dictionary<string, double?> BySegment, Dictionary<string, double?> ByArm);

/// <summary>
/// The counts behind one breakdown value, its rates (null when nothing was sent) and their gaps to the overall
/// rates (rate − overall; for segments the fairness gap), null when either is unknown.
/// </summary>
public sealed record BreakdownJson(long Sent, long Opened, long Converted, double? Conversion, double? OpenRate, double? ConversionGap, double? OpenRateGap);

public sealed record BreakdownsJson(Dictionary<string, BreakdownJson> ByModel, Dictionary<string, BreakdownJson> BySegment, Dictionary<string, BreakdownJson> ByArm);

/// <summary>MQTT: notifications published on the user's topic, and those not published because their time-to-live had passed.</summary>
public sealed record MqttPushJson(long Published, long Expired);

/// <summary>
/// Webhook outbox: POSTs answered 2xx, transient failures retried, given up (non-retryable answer or attempts used up),
/// dropped after their time-to-live, and entries (notification × webhook) queued.
/// </summary>
public sealed record WebhookPushJson(long Delivered, long Retried, long Failed, long Expired, long Queued);

public sealed record PushStatsJson(MqttPushJson Mqtt, WebhookPushJson Webhook);

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
    SiloJson[] SiloHealth,
    ConversionJson OpenRate,
    BreakdownsJson Breakdowns,
    PushStatsJson Push,
    IngestStatsJson Ingest);

/// <summary><c>stats --json</c> → <c>ingest</c>: the lag from a reading's <c>ts</c> to its grain having applied it, over the last 60 s, all silos.</summary>
public sealed record IngestStatsJson(LagMsJson LagMs);

/// <summary>How many readings (messages) were applied in the window and the p50/p99/p99.9 of their lag in ms (null when none).</summary>
public sealed record LagMsJson(long Count, double? P50, double? P99, double? P999);

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
    LatencyJson LatencyMs,
    long Failovers,
    Dictionary<string, long> Interruptions,
    long Resent,
    long ReadingsResent,
    long ReadingsUnackedAtStop);

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

/// <summary>One element of <c>model list --json</c> (docs/contract.md).</summary>
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

/// <summary>
/// One override of <c>rules show --json</c>: <c>scope</c> is the scope kind (global, segment, category, item, user,
/// user+item, user+category) and the ids it uses are set (the others null); <c>value</c> is in normalised form.
/// </summary>
public sealed record RuleOverrideJson(string Key, string Scope, string? User, string? Item, string? Category, string? Segment, string Value);

/// <summary>
/// <c>rules show --json</c>: the version, when it last changed (null while it never did), the built-in defaults
/// (key → value, in <c>RuleKeys.All</c> order) and every override, grouped by key then scope.
/// </summary>
public sealed record RulesShowJson(long Version, DateTimeOffset? ChangedAt, Dictionary<string, string> Defaults, RuleOverrideJson[] Overrides);

/// <summary>
/// <c>rules set --json</c>, only printed when the rules grain accepted the change: the new version, the key, the scope kind
/// (as in <see cref="RuleOverrideJson"/>) with its ids, and the value as stored.
/// </summary>
public sealed record RuleChangeJson(long Version, string Key, string Scope, string Value, string? User, string? Item, string? Category, string? Segment);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(RegisteredDeviceJson))]
[JsonSerializable(typeof(RegisteredDeviceJson[]))]
[JsonSerializable(typeof(RotatedDeviceJson))]
[JsonSerializable(typeof(RevokedDeviceJson))]
[JsonSerializable(typeof(UsersImportJson))]
[JsonSerializable(typeof(UsersForgetJson))]
[JsonSerializable(typeof(AuditEntryJson[]))]
[JsonSerializable(typeof(ItemsImportJson))]
[JsonSerializable(typeof(InteractionsImportJson))]
[JsonSerializable(typeof(UserShowJson))]
[JsonSerializable(typeof(StatsJson))]
[JsonSerializable(typeof(SimulationJson))]
[JsonSerializable(typeof(TrainingJobJson))]
[JsonSerializable(typeof(ModelVersionJson[]))]
[JsonSerializable(typeof(RegistryResultJson))]
[JsonSerializable(typeof(RulesShowJson))]
[JsonSerializable(typeof(RuleChangeJson))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
