using Osr.Orleans.Models.Limits;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.Models.Ingress;

/// <summary>What <see cref="DeviceIntake.Admit"/> lets through of one message.</summary>
/// <param name="Refused">Why the whole message is refused (nothing of it is applied), or <see cref="RejectReason.None"/>.</param>
/// <param name="Fresh">The readings to apply, in seq order, each once (empty when all were duplicates).</param>
/// <param name="Duplicates">Readings the window had seen (acknowledged, not applied).</param>
/// <param name="Next">The window with the fresh readings marked: keep it once they are applied.</param>
public readonly record struct IntakeDecision(RejectReason Refused, Reading[] Fresh, int Duplicates, SeqWindow Next);

/// <summary>
/// The per-device checks a message passes at its owner before its readings reach the filters (docs/architecture.md,
/// hot path): the device's reading quota, then dedupe by <c>seq</c>, then the bound on how far <c>seq</c> may jump.
/// Plain functions over the device's token bucket and seq window, so the owner's grain only keeps the two.
/// </summary>
public static class DeviceIntake
{
    /// <summary>
    /// Decides what of <paramref name="readings"/> is applied. The quota is taken first and for every reading of the
    /// message (duplicates cost the device too); a refused message leaves the window untouched, and a message over
    /// the quota takes no tokens. The first message of an epoch (an empty window) sets the position whatever its seq.
    /// </summary>
    public static IntakeDecision Admit(Reading[] readings, ref TokenBucket bucket, SeqWindow window, long nowTicks,
        double readingsPerSecond, long maxSeqJump)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Length == 0) return new(RejectReason.None, readings, 0, window);
        if (!bucket.TryTake(readings.Length, nowTicks, readingsPerSecond)) return new(RejectReason.QuotaExceeded, [], 0, window);

        // Seen (or below the window) = duplicate; a reordered older seq inside the window is still fresh.
        var fresh = FreshReadings.Select(readings, window, out var duplicates, out var next);
        if (fresh.Length == 0) return new(RejectReason.None, fresh, duplicates, window);
        // Sorted by seq: the last one is the largest step.
        if (!window.IsEmpty && fresh[^1].Seq - window.Last > maxSeqJump) return new(RejectReason.SeqJump, [], duplicates, window);
        return new(RejectReason.None, fresh, duplicates, next);
    }

    /// <summary>One event of the device against its quota (an event costs one reading).</summary>
    public static bool AdmitEvent(ref TokenBucket bucket, long nowTicks, double readingsPerSecond) =>
        bucket.TryTake(1, nowTicks, readingsPerSecond);
}
