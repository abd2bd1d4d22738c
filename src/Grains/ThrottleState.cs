using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <summary>
/// What the rules need of one user's past, written before any push goes out: the pushes that
/// count for gaps, caps and re-eligibility, and the feedback already counted. Small: it is
/// rewritten on every send and every first feedback action.
/// </summary>
[GenerateSerializer, Alias("osr.throttle-state")]
public sealed record class ThrottleState
{
    // Id 0 held the decision history before it moved to DecisionHistory; not reused.

    /// <summary>Newest last, at most <see cref="DecisionOptions.SentHistory"/>.</summary>
    [Id(1)] public List<PushRecord> Sent { get; set; } = [];

    /// <summary>Feedback actions already counted, per decision id (bit per <see cref="FeedbackAction"/>).</summary>
    [Id(2)] public Dictionary<string, byte> FeedbackSeen { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The recent decisions with their decomposition, for <c>user show</c>, feedback joins and
/// answering a repeated decision id. Checkpointed like the user's filters (at most every
/// <see cref="StateOptions.CheckpointInterval"/> and on deactivation), not per decision: the
/// decision log holds every decision durably before it takes effect.
/// </summary>
[GenerateSerializer, Alias("osr.decision-history")]
public sealed record class DecisionHistory
{
    /// <summary>Newest last, at most <see cref="DecisionOptions.History"/>.</summary>
    [Id(0)] public List<DecisionView> Decisions { get; set; } = [];

    /// <summary>The user's best score per scoring pass and passes per local hour: what the learned threshold is computed from.</summary>
    [Id(1)] public BudgetSamples Budget { get; set; } = new();
}
