using System.Text.Json.Serialization;

namespace Osr.Orleans.Client.Output;

// `simulate --clock event --json` (the backtest) and the additions to `simulate --json`. Property names are
// camelCase; unknown values are null. Fields may be added, never renamed.

/// <summary>
/// <c>simulate --clock event --json</c>: one backtest over <c>days</c> of simulated time from <c>start</c>.
/// <c>decisions</c> and <c>notifications</c> are the cluster's counter deltas over the run (null when the stats grain
/// could not be read); <c>pushes</c>, <c>feedback</c>, <c>conversion</c> and <c>stateBlind</c> are what the simulated
/// users received and did.
/// </summary>
public sealed record BacktestJson(
    string Clock,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Days,
    int Users,
    int Devices,
    string Step,
    string Interval,
    ulong Seed,
    BacktestReadingsJson Readings,
    BacktestPushesJson Pushes,
    BacktestDecisionsJson? Decisions,
    BacktestNotificationCountersJson? Notifications,
    BacktestFeedbackJson Feedback,
    BacktestConversionJson Conversion,
    StateBlindJson StateBlind,
    double WallSeconds,
    List<BacktestDayJson>? ByDay = null,
    BacktestSegmentsJson? Segments = null);

/// <summary>
/// One simulated day <c>day</c> (1 = the first 24 h from <c>start</c>): its pushes, conversions, conversion per push and
/// the state-blind comparison of its pushes alone (nulls on a day without pushes).
/// </summary>
public sealed record BacktestDayJson(int Day, long Pushes, long Converted, double? ConversionPerPush, double? Osr, double? StateBlind, double? Ratio);

/// <summary>Pushes, conversions, conversion per push and state-blind ratio of one segment's users.</summary>
public sealed record BacktestSegmentJson(long Pushes, long Converted, double? ConversionPerPush, double? Ratio);

/// <summary>Per segment (<c>bySegment</c>) and the conversion gap: the largest minus the smallest conversion per push.</summary>
public sealed record BacktestSegmentsJson(Dictionary<string, BacktestSegmentJson> BySegment, double? Gap);

/// <summary>Readings and messages of the run; <c>quotaWaits</c> counts re-sends after a "quota exceeded" refusal.</summary>
public sealed record BacktestReadingsJson(
    long Published,
    long Acked,
    long Dropped,
    long Messages,
    long MessagesAcked,
    Dictionary<string, long> Refused,
    long Failed,
    Dictionary<string, long> FailuresByReason,
    long QuotaWaits);

/// <summary>
/// Notifications the simulated users received. <c>perUserPerDay.mean</c> = pushes / (users × days);
/// <c>max</c> and <c>distribution</c> (keys 0, 1, 2, 3, &gt;3) are over every (user, local calendar day) the run
/// touched (<c>userDays</c>, partial first and last days included). <c>byLabel</c> is the label at decision (the
/// notification's <c>state</c>); <c>byLocalHour</c> has 24 counts, index = the user's local hour of <c>ts</c>.
/// </summary>
public sealed record BacktestPushesJson(
    long Total,
    PushesPerUserDayJson PerUserPerDay,
    Dictionary<string, long> ByLabel,
    long[] ByLocalHour,
    Dictionary<string, long> ByCategory);

public sealed record PushesPerUserDayJson(double Mean, long Max, long UserDays, Dictionary<string, long> Distribution);

/// <summary>Decision counters (deltas): sends by the rules, exploration sends, suppressions by rule code.</summary>
public sealed record BacktestDecisionsJson(long Sent, long Explored, Dictionary<string, long> Suppressed);

/// <summary>The cluster's <c>notifications.*</c> counters (deltas).</summary>
public sealed record BacktestNotificationCountersJson(long Sent, long Delivered, long Opened, long Converted, long Dismissed);

/// <summary>Feedback events the simulated users sent (acknowledged), by action, and the ones that failed, by reason.</summary>
public sealed record BacktestFeedbackJson(long Answered, long Delivered, long Opened, long Converted, long Dismissed, Dictionary<string, long> Failed);

/// <summary>Per push: converted / pushes and opened / pushes (null without pushes).</summary>
public sealed record BacktestConversionJson(double? PerPush, double? OpenedPerPush);

/// <summary>
/// The state-blind comparison: <c>osr</c> = E[conversion | OSR times], the mean world P(accept) at the actual push
/// times; <c>stateBlind</c> = E[conversion | state-blind], the mean over <c>samples</c> random waking times per push
/// (same user, item, local day; outside 22:00–07:00 local); <c>ratio</c> = osr / stateBlind. Null without pushes.
/// </summary>
public sealed record StateBlindJson(int Samples, long Pushes, double? Osr, double? StateBlind, double? Ratio);

/// <summary>The <c>notifications</c> object added to <c>simulate --json</c> (wall clock).</summary>
public sealed record SimulationNotificationsJson(
    long Received,
    long Duplicates,
    long Malformed,
    long Answered,
    Dictionary<string, long> FeedbackSent,
    Dictionary<string, long> FeedbackFailed,
    long FeedbackDropped);

/// <summary>A notification as it arrives on <c>osr/v1/users/{userId}/notifications</c> (docs/contract.md "Notification").</summary>
public sealed class NotificationMessage
{
    public string NotificationId { get; init; } = "";
    public string UserId { get; init; } = "";
    public string ItemId { get; init; } = "";
    public string? Category { get; init; }
    public double? Osr { get; init; }
    public double? Affinity { get; init; }
    public double? Propensity { get; init; }
    public string? State { get; init; }
    public DateTimeOffset? Ts { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    WriteIndented = true)]
[JsonSerializable(typeof(BacktestJson))]
[JsonSerializable(typeof(SimulationNotificationsJson))]
[JsonSerializable(typeof(NotificationMessage))]
public sealed partial class BacktestJsonContext : JsonSerializerContext
{
    /// <summary>
    /// As <see cref="JsonSerializerContext"/>'s default, but writing '&gt;' and non-ASCII characters as they are (the
    /// distribution key <c>&gt;3</c>, not <c>\u003E3</c>); the output is a document, never embedded in HTML.
    /// </summary>
    public static BacktestJsonContext Readable { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
