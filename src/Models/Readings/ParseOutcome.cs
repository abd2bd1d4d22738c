namespace Osr.Orleans.Models.Readings;

/// <summary>
/// The result of <see cref="ReadingParser.Parse(ReadOnlySpan{byte}, long, ReadingValidationOptions, ICollection{Reading}, ICollection{ReadingRejection})"/>.
/// Either the whole message was refused (<see cref="IsRefused"/>; then nothing was accepted
/// or rejected individually) or it was read and <see cref="Accepted"/> +
/// <see cref="Rejected"/> readings were appended to the caller's collections.
/// </summary>
/// <param name="Refusal">
/// Why the whole message was refused: <c>oversize</c>, <c>malformed-json</c>,
/// <c>too-many-readings</c>, <c>empty-batch</c> or <c>not-an-object</c> (top-level scalar);
/// <see cref="RejectReason.None"/> when the message was read.
/// </param>
/// <param name="Accepted">Readings appended to the accepted collection.</param>
/// <param name="Rejected">Readings appended to the rejected collection.</param>
/// <param name="Detail">Detail of a refusal (null otherwise).</param>
public readonly record struct ParseOutcome(RejectReason Refusal, int Accepted, int Rejected, string? Detail)
{
    /// <summary>True when the whole message was refused.</summary>
    public bool IsRefused => Refusal != RejectReason.None;

    /// <summary>Readings read from the message (accepted + rejected).</summary>
    public int Total => Accepted + Rejected;

    internal static ParseOutcome Refused(RejectReason reason, string? detail) => new(reason, 0, 0, detail);
}
