using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The notification rules of one user (key = user id): decides send or suppress for a scored
/// state, emits the push, keeps a bounded history of decisions with their reasons and joins
/// feedback to them.
/// </summary>
[Alias("osr.INotificationThrottleGrain")]
public interface INotificationThrottleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies the rules to the candidates (best OSR first) and sends at most one push. The
    /// decision is stored before the push leaves; asking again for the same state returns the
    /// same decision without sending again.
    /// </summary>
    [Alias("Decide")]
    ValueTask<DecisionView> DecideAsync(DecisionRequest request);

    /// <summary>Joins a feedback event to its decision; <see cref="RejectReason.UnknownNotification"/> when it is not this user's.</summary>
    [Alias("RecordFeedback")]
    ValueTask<RejectReason> RecordFeedbackAsync(string notificationId, FeedbackAction action, long timestampUtcTicks);

    /// <summary>The most recent decisions, newest first.</summary>
    [Alias("GetDecisions")]
    ValueTask<DecisionView[]> GetDecisionsAsync(int max);

    /// <summary>Clears this user's throttle state and decision history and deactivates; true when there was some.</summary>
    [Alias("Forget")]
    ValueTask<bool> ForgetAsync();
}
