using Osr.Orleans.Models.Events;

namespace Osr.Orleans.Grains.Storage;

/// <summary>
/// The decision log: every decision with its decomposition and the features as they were at
/// decision time, and the feedback joined to it — what propensity training reads. Writes
/// complete only when durable and are idempotent (a decision id is stored once; a feedback
/// action once per decision). Never blocks the calling thread.
/// </summary>
public interface IDecisionLog
{
    Task AppendDecisionAsync(DecisionRecord decision, CancellationToken cancellationToken = default);

    Task AppendFeedbackAsync(FeedbackRecord feedback, CancellationToken cancellationToken = default);

    Task<DecisionRecord?> ReadDecisionAsync(string decisionId, CancellationToken cancellationToken = default);

    /// <summary>Sent decisions with DecidedUtcTicks in [from, to), in time order, with the feedback actions received for each.</summary>
    IAsyncEnumerable<DecisionWithFeedback> ReadSentDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every decision (sent or suppressed) with DecidedUtcTicks in [from, to), in time order, with
    /// the feedback actions received for each — what off-policy evaluation reads.
    /// </summary>
    IAsyncEnumerable<DecisionWithFeedback> ReadDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default);

    /// <summary>The ids of every logged decision of <paramref name="userId"/> (= its notification ids), in no particular order.</summary>
    Task<IReadOnlyList<string>> ReadUserDecisionIdsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every decision and every feedback row of <paramref name="userId"/> in one transaction;
    /// returns (decisions, feedback) deleted. Deleting a user with no rows is a no-op.
    /// </summary>
    Task<UserRowsDeleted> ForgetUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes decisions with DecidedUtcTicks &lt; <paramref name="decisionsCutoffUtcTicks"/> together with
    /// their feedback, and feedback with ts &lt; <paramref name="feedbackCutoffUtcTicks"/>, in one
    /// transaction (<see cref="long.MinValue"/> keeps all); returns (decisions, feedback) deleted.
    /// </summary>
    Task<UserRowsDeleted> PruneAsync(long decisionsCutoffUtcTicks, long feedbackCutoffUtcTicks, CancellationToken cancellationToken = default);
}

/// <summary>One decision as logged. <see cref="Features"/> has <c>FeatureVector.Count</c> values, NaN = unknown.</summary>
public sealed record DecisionRecord(
    string DecisionId,
    string UserId,
    string ItemId,
    string Category,
    string Label,
    double[] Features,
    long DecidedUtcTicks,
    long StateUtcTicks,
    string Outcome,
    string Reason,
    double Affinity,
    double Propensity,
    double Raw,
    double Osr,
    double Threshold,
    double SendProbability,
    string PropensityVersion,
    string? AlsVersion,
    string Arm,
    string? Segment);

public sealed record FeedbackRecord(string DecisionId, string UserId, FeedbackAction Action, long TimestampUtcTicks);

public sealed record DecisionWithFeedback(DecisionRecord Decision, FeedbackAction[] Feedback);
