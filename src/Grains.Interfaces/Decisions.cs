using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// One candidate as the user grain scored it: ALS affinity (raw dot product and standardised
/// over the user's candidates), propensity, raw = z × p, and the OSR score in [0, 1].
/// <see cref="Factor"/> is the item's ALS factor (for the similar-item gap), null without one.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.scored-candidate")]
public sealed record ScoredCandidate(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string Category,
    [property: Id(2)] double Affinity,
    [property: Id(3)] double AffinityZ,
    [property: Id(4)] double Propensity,
    [property: Id(5)] double Raw,
    [property: Id(6)] double Osr,
    [property: Id(7)] float[]? Factor,
    [property: Id(8)] double PropensityMean = double.NaN);

/// <summary>
/// What the user grain hands the throttle after a meaningful state change. <see cref="NowUtcTicks"/>
/// is the rules' clock: the wall clock, or the user's latest event time under
/// <c>Osr:Clock=Event</c>. <see cref="StateUtcTicks"/> is the event time of the scored state.
/// <see cref="Features"/> are the state features at decision time (NaN = unknown), logged for
/// propensity training. <see cref="DrawOsr"/> holds the OSR of every candidate under each posterior
/// draw of the pass (row 0 the acting draw, then the estimation draws; row-major, one column per
/// candidate; a batch model's or the prior's score repeated in every row), null without draws.
/// <see cref="Uncertain"/> says why the state is too uncertain to decide on (the decision is deferred), null when it is not.
/// <see cref="Rescore"/> lets the throttle score the user's recent passes again under the draw this pass acted on (online
/// model only; null otherwise).
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.decision-request")]
public sealed record DecisionRequest(
    [property: Id(0)] string UserId,
    [property: Id(1)] string? Segment,
    [property: Id(2)] string TimeZoneId,
    [property: Id(3)] string Label,
    [property: Id(4)] long StateUtcTicks,
    [property: Id(5)] long NowUtcTicks,
    [property: Id(6)] double[] Features,
    [property: Id(7)] string PropensityVersion,
    [property: Id(8)] string? AlsVersion,
    [property: Id(9)] string Arm,
    [property: Id(10)] ScoredCandidate[] Candidates,
    [property: Id(11)] double[]? DrawOsr = null,
    [property: Id(12)] string? Uncertain = null,
    [property: Id(13)] PassDraw? Rescore = null);

/// <summary>
/// The online posterior draw a scoring pass acted on, for scoring the user's recent passes again under it
/// (src/Models/Scoring/BudgetRescorer.cs): the pass's state signature, the draw's seed and spread, and the window range
/// its raw scores were normalised over.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.pass-draw")]
public sealed record PassDraw(
    [property: Id(0)] int Signature,
    [property: Id(1)] ulong Seed,
    [property: Id(2)] double Spread,
    [property: Id(3)] double WindowMin,
    [property: Id(4)] double WindowMax);

/// <summary>Outcomes of a decision (wire names in <see cref="DecisionOutcomes"/>).</summary>
public static class DecisionOutcomes
{
    public const string Sent = "sent";
    public const string Suppressed = "suppressed";

    /// <summary>The reason of a send chosen by exploration below the threshold.</summary>
    public const string Explore = "explore";

    /// <summary>The reason of a decision deferred because the filter is unsure of the state.</summary>
    public const string Uncertain = "uncertain";
}

/// <summary>
/// One decision with its decomposition: what was considered, what each rule said, what was
/// done. <see cref="NotificationId"/> is the idempotent decision id (also the id of the push
/// when one was sent). <see cref="Reason"/> is empty for a send by the rules, <c>explore</c>
/// for an exploration send, else the code of the first failing rule.
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.decision-view")]
public sealed record DecisionView(
    [property: Id(0)] string NotificationId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string ItemId,
    [property: Id(3)] string Category,
    [property: Id(4)] DateTimeOffset Ts,
    [property: Id(5)] DateTimeOffset DecidedAt,
    [property: Id(6)] string Outcome,
    [property: Id(7)] string Reason,
    [property: Id(8)] string Detail,
    [property: Id(9)] double Affinity,
    [property: Id(10)] double Propensity,
    [property: Id(11)] double Raw,
    [property: Id(12)] double Osr,
    [property: Id(13)] double Threshold,
    [property: Id(14)] RuleCheck[] Checks,
    [property: Id(15)] string Label,
    [property: Id(16)] string PropensityVersion,
    [property: Id(17)] string? AlsVersion,
    [property: Id(18)] string Arm,
    [property: Id(19)] double SendProbability,
    [property: Id(20)] DateTimeOffset? ExpiresAt,
    [property: Id(21)] string? Feedback,
    [property: Id(22)] string? Segment,
    [property: Id(23)] double[]? Features = null);

/// <summary>The push (docs/contract.md "Notification"), published on MQTT and POSTed to webhooks with the same body.</summary>
[GenerateSerializer, Immutable, Alias("osr.notification")]
public sealed record Notification(
    [property: Id(0)] string NotificationId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string ItemId,
    [property: Id(3)] string Category,
    [property: Id(4)] double Osr,
    [property: Id(5)] double Affinity,
    [property: Id(6)] double Propensity,
    [property: Id(7)] string State,
    [property: Id(8)] DateTimeOffset Ts,
    [property: Id(9)] DateTimeOffset ExpiresAt);
