using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Grains;

/// <summary>Persisted state of one user: profile, devices and the last filter checkpoint.</summary>
[GenerateSerializer, Alias("osr.user-state")]
public sealed record class UserState
{
    [Id(0)] public UserProfile Profile { get; set; } = UserProfile.Default;
    [Id(1)] public List<DeviceRef> Devices { get; set; } = [];
    /// <summary>The filters as of the last checkpoint (null before the first reading).</summary>
    [Id(2)] public FilterBankState? Filters { get; set; }
    [Id(3)] public ActivityTrackerState? Activity { get; set; }
    [Id(4)] public long ReadingsApplied { get; set; }
    [Id(5)] public long LastReadingUtcTicks { get; set; }
    [Id(6)] public long CheckpointUtcTicks { get; set; }
    /// <summary>Interactions this grain stored from live events (the log is the truth).</summary>
    [Id(7)] public long InteractionsRecorded { get; set; }
    /// <summary>
    /// Highest applied <c>seq</c> per device: the dedupe position, checkpointed atomically with the filters. Like
    /// <see cref="Filters"/> only filled for a write (<see cref="PutSeqWindows"/>); the live grain keeps one
    /// <see cref="SeqWindow"/> per device instead (<see cref="TakeSeqWindows"/>), 16 bytes rather than two dictionaries.
    /// </summary>
    [Id(8)] public Dictionary<string, long>? LastSeq { get; set; }
    /// <summary>
    /// Which of the 64 seqs up to <see cref="LastSeq"/> were applied, per device (<see cref="SeqWindow.Seen"/>); added
    /// later: a device with a <see cref="LastSeq"/> but no entry here was stored before, and everything at or below
    /// its last seq counts as seen (<see cref="SeqWindow.FromLegacy"/>).
    /// </summary>
    [Id(9)] public Dictionary<string, ulong>? SeqSeen { get; set; }
    /// <summary>Audit entries stored with the change they record, until the audit log has them (<see cref="Admin.AuditOutbox"/>).</summary>
    [Id(10)] public List<AuditEntry> PendingAudit { get; set; } = [];

    /// <summary>The device's seq window as checkpointed.</summary>
    public SeqWindow SeqWindowOf(string deviceId) =>
        LastSeq?.TryGetValue(deviceId, out var last) != true ? SeqWindow.Empty
        : SeqSeen?.TryGetValue(deviceId, out var seen) == true ? new SeqWindow(last, seen)
        : SeqWindow.FromLegacy(last);

    /// <summary>
    /// The checkpointed seq window of each of <see cref="Devices"/>, in their order, and the dictionaries let go (a window
    /// of a device no longer listed has no use: a device registered again starts a new sequence epoch).
    /// </summary>
    public SeqWindow[] TakeSeqWindows()
    {
        var windows = new SeqWindow[Devices.Count];
        for (var i = 0; i < windows.Length; i++) windows[i] = SeqWindowOf(Devices[i].DeviceId);
        LastSeq = null;
        SeqSeen = null;
        return windows;
    }

    /// <summary>Fills <see cref="LastSeq"/> and <see cref="SeqSeen"/> from the windows of <see cref="Devices"/> (in their order) for a write.</summary>
    public void PutSeqWindows(ReadOnlySpan<SeqWindow> windows)
    {
        LastSeq = new(StringComparer.Ordinal);
        SeqSeen = new(StringComparer.Ordinal);
        for (var i = 0; i < windows.Length && i < Devices.Count; i++)
        {
            if (windows[i].IsEmpty) continue;
            LastSeq[Devices[i].DeviceId] = windows[i].Last;
            SeqSeen[Devices[i].DeviceId] = windows[i].Seen;
        }
    }
}
