namespace Osr.Orleans.Models.Readings;

/// <summary>
/// Why a message or a reading was refused. Each value has a stable wire code
/// (<see cref="RejectReasons.Code"/>) used in the device's <c>errors</c> topic and in
/// <c>osr-admin stats</c>; codes are part of the contract: add new ones, never rename.
/// </summary>
public enum RejectReason : byte
{
    None = 0,
    // Whole message
    Oversize,
    MalformedJson,
    TooManyReadings,
    EmptyBatch,
    WrongTopic,
    UnknownDevice,
    QuotaExceeded,
    // One reading
    NotAnObject,
    MissingSeq,
    MissingTs,
    BadSeq,
    BadTs,
    WrongType,
    NotFinite,
    OutOfRange,
    LatWithoutLon,
    TooLate,
    TooEarly,
    OutOfOrder,
    // Events (interaction / feedback)
    UnknownEventType,
    MissingField,
    BadId,
    UnknownAction,
    Unsupported,
    /// <summary>A feedback event names a notification this user never received.</summary>
    UnknownNotification,
    /// <summary>A reading's seq is more than <c>Osr:Ingest:MaxSeqJump</c> above the device's last applied one.</summary>
    SeqJump,
    /// <summary>A reading's ts is more than <c>Osr:Clock:MaxEventLead</c> ahead of its user's event time (event clock).</summary>
    TsJump,
    /// <summary>A connection over its flood limits (<c>Osr:Mqtt:Flood</c>) for longer than it may be held: closed unacknowledged.</summary>
    Flood,
}

public static class RejectReasons
{
    private static readonly string[] Codes =
    [
        "none",
        "oversize",
        "malformed-json",
        "too-many-readings",
        "empty-batch",
        "wrong-topic",
        "unknown-device",
        "quota-exceeded",
        "not-an-object",
        "missing-seq",
        "missing-ts",
        "bad-seq",
        "bad-ts",
        "wrong-type",
        "not-finite",
        "out-of-range",
        "lat-without-lon",
        "too-late",
        "too-early",
        "out-of-order",
        "unknown-event-type",
        "missing-field",
        "bad-id",
        "unknown-action",
        "unsupported",
        "unknown-notification",
        "seq-jump",
        "ts-jump",
        "flood",
    ];

    /// <summary>The stable wire code of a reason, e.g. <c>malformed-json</c>.</summary>
    public static string Code(this RejectReason reason) => Codes[(int)reason];

    public static int Count => Codes.Length;

    public static IEnumerable<RejectReason> All => Enum.GetValues<RejectReason>().Where(r => r != RejectReason.None);
}
