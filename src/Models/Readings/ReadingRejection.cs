namespace Osr.Orleans.Models.Readings;

/// <summary>
/// One reading refused by <see cref="ReadingParser"/>: what goes to the device's
/// <c>errors</c> topic as <c>{"seq":…, "reason":"…"}</c>.
/// </summary>
/// <param name="Seq">The reading's <c>seq</c> when it was present and valid, else null.</param>
/// <param name="Reason">Why; <see cref="RejectReasons.Code"/> gives the wire code.</param>
/// <param name="Detail">Human-readable detail, e.g. <c>hr=300 outside 20–250</c>. Allocated only on rejection.</param>
public readonly record struct ReadingRejection(long? Seq, RejectReason Reason, string? Detail);
