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
