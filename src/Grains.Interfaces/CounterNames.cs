using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>Names of the counters reported to <see cref="IStatsGrain"/>.</summary>
public static class CounterNames
{
    public const string ReadingsAccepted = "readings.accepted";
    public const string ReadingsDuplicate = "readings.duplicate";
    public const string ReadingsRejectedPrefix = "readings.rejected.";
    public const string MessagesReceived = "messages.received";
    public const string MessagesRefused = "messages.refused";
    public const string ConnectsAccepted = "connects.accepted";
    public const string ConnectsRefused = "connects.refused";
    public const string SubscriptionsRefused = "subscriptions.refused";
    public const string FilterOutliers = "filter.outliers";
    public const string EventsAccepted = "events.accepted";
    public const string MessagesHeld = "messages.held";
    public const string ErrorsSuppressed = "errors.suppressed";

    // Decisions and pushes (DecisionCounters). Breakdowns append ".model.{version}",
    // ".segment.{segment}" (or "none") and ".arm.{a|b}" to the notifications.* names.
    public const string DecisionsSent = "decisions.sent";
    public const string DecisionsExplored = "decisions.explored";
    public const string DecisionsSuppressedPrefix = "decisions.suppressed.";
    public const string NotificationsPrefix = "notifications.";
    public const string NotificationsSent = "notifications.sent";
    public const string ByModel = ".model.";
    public const string BySegment = ".segment.";
    public const string ByArm = ".arm.";

    /// <summary>The segment name used in counters for users without one.</summary>
    public const string NoSegment = "none";

    private static readonly string[] RejectedNames = BuildRejectedNames();

    /// <summary><c>readings.rejected.{code}</c>, without allocating.</summary>
    public static string Rejected(RejectReason reason) => RejectedNames[(int)reason];

    private static string[] BuildRejectedNames()
    {
        var names = new string[RejectReasons.Count];
        for (var i = 0; i < names.Length; i++) names[i] = ReadingsRejectedPrefix + ((RejectReason)i).Code();
        return names;
    }
}
