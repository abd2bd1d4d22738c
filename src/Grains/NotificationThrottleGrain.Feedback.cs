using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <summary>
/// Feedback on the pushes (docs/notifications.md "Feedback"): stored once per action, counted, and handed to the online
/// model's learner as outcomes — a push not converted within the outcome window counts as not converted.
/// </summary>
public sealed partial class NotificationThrottleGrain
{
    /// <summary><see cref="ThrottleState.FeedbackSeen"/> bits (above the <see cref="FeedbackAction"/> bits): the outcome was handed to the learner.</summary>
    private const byte ConversionLearned = 1 << 6, OpenLearned = 1 << 7;

    public async ValueTask<RejectReason> RecordFeedbackAsync(string notificationId, FeedbackAction action, long timestampUtcTicks)
    {
        if (string.IsNullOrEmpty(notificationId)) return RejectReason.UnknownNotification;
        var s = state.State;
        var decisions = history.State.Decisions;
        var index = decisions.FindLastIndex(d => d.NotificationId == notificationId);
        DecisionView? view = index >= 0 ? decisions[index] : null;
        string outcome, model, arm;
        string? segment;
        if (view is not null)
        {
            (outcome, model, arm, segment) = (view.Outcome, view.PropensityVersion, view.Arm, view.Segment);
        }
        else
        {
            var record = await decisionLog.ReadDecisionAsync(notificationId);
            if (record is null || record.UserId != UserId) return RejectReason.UnknownNotification;
            (outcome, model, arm, segment) = (record.Outcome, record.PropensityVersion, record.Arm, record.Segment);
        }
        if (outcome != DecisionOutcomes.Sent) return RejectReason.UnknownNotification;

        await decisionLog.AppendFeedbackAsync(new FeedbackRecord(notificationId, UserId, action, timestampUtcTicks));
        var bit = (byte)(1 << (int)action);
        var seen = s.FeedbackSeen.GetValueOrDefault(notificationId);
        if ((seen & bit) != 0) return RejectReason.None; // a redelivery: stored once, counted once
        if (view is not null)
        {
            s.FeedbackSeen[notificationId] = (byte)(seen | bit);
            decisions[index] = view with { Feedback = Stronger(view.Feedback, action) };
            HistoryCheckpoint.MarkDirty();
            await state.WriteStateAsync();
        }
        if (view is not null) LearnFeedback(view, action);
        var name = CounterNames.NotificationsPrefix + action.Name();
        counters.Add(name);
        counters.Add(name + CounterNames.ByModel + model);
        counters.Add(name + CounterNames.BySegment + (segment ?? CounterNames.NoSegment));
        counters.Add(name + CounterNames.ByArm + arm);
        return RejectReason.None;
    }

    /// <summary>
    /// Hands the learner what a feedback action says: converted → converted and opened; opened → opened;
    /// dismissed → neither. Each head learns each push once (bits in <see cref="ThrottleState.FeedbackSeen"/>).
    /// </summary>
    private void LearnFeedback(DecisionView view, FeedbackAction action)
    {
        var (conversion, open) = action switch
        {
            FeedbackAction.Converted => ((bool?)true, (bool?)true),
            FeedbackAction.Opened => (null, true),
            FeedbackAction.Dismissed => (false, false),
            _ => ((bool?)null, (bool?)null),
        };
        Learn([view], conversion, open);
    }

    /// <summary>Pushes sent at least <see cref="LearningOptions.OutcomeWindow"/> before now and not converted count as not converted (and not opened unless they were).</summary>
    private void LearnUnconverted(long nowUtcTicks)
    {
        List<DecisionView>? due = null;
        var seen = state.State.FeedbackSeen;
        foreach (var d in history.State.Decisions)
        {
            if (d.Outcome != DecisionOutcomes.Sent || d.DecidedAt.UtcTicks + _learning.OutcomeWindow.Ticks > nowUtcTicks) continue;
            if ((seen.GetValueOrDefault(d.NotificationId) & ConversionLearned) != 0) continue;
            (due ??= []).Add(d);
        }
        if (due is not null) Learn(due, false, false);
    }

    private void Learn(List<DecisionView> views, bool? conversion, bool? open)
    {
        var seen = state.State.FeedbackSeen;
        List<PropensityOutcome>? outcomes = null;
        foreach (var view in views)
        {
            if (view.Features is not { } features) continue;
            var bits = seen.GetValueOrDefault(view.NotificationId);
            var before = bits;
            if (conversion is { } c && (bits & ConversionLearned) == 0)
            {
                (outcomes ??= []).Add(new PropensityOutcome(view.Label, features, view.Segment, view.Category, PropensityHead.Conversion, c));
                bits |= ConversionLearned;
            }
            if (open is { } o && (bits & OpenLearned) == 0)
            {
                (outcomes ??= []).Add(new PropensityOutcome(view.Label, features, view.Segment, view.Category, PropensityHead.Open, o));
                bits |= OpenLearned;
            }
            if (bits != before) seen[view.NotificationId] = bits;
        }
        if (outcomes is null) return;
        HistoryCheckpoint.MarkDirty();
        GrainFactory.GetGrain<IPropensityLearnerGrain>(GrainKeys.Global).LearnAsync([.. outcomes]).Ignore();
    }

    /// <summary>The furthest-along feedback seen (converted &gt; opened &gt; dismissed &gt; delivered).</summary>
    private static string Stronger(string? current, FeedbackAction action)
    {
        static int Rank(string? a) => a switch { "converted" => 4, "opened" => 3, "dismissed" => 2, "delivered" => 1, _ => 0 };
        var name = action.Name();
        return Rank(name) > Rank(current) ? name : current!;
    }
}
