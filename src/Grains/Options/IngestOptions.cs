using Microsoft.Extensions.Options;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// Per-device ingest limit (docs/contract.md "Configuration", section <c>Osr:Ingest</c>): a token
/// bucket refilled at <see cref="MaxReadingsPerSecond"/> holding at most <see cref="Burst"/>.
/// A message whose readings do not fit is refused whole with "quota exceeded".
/// </summary>
public sealed class IngestOptions
{
    public const string Section = "Osr:Ingest";

    /// <summary>Sustained readings per second per device. Range: 0 &lt; r ≤ 100 000. Default 50.</summary>
    public double MaxReadingsPerSecond { get; set; } = 50;

    /// <summary>Bucket capacity in readings. Range: 1 ≤ b ≤ 1 000 000. Default 1000.</summary>
    public int Burst { get; set; } = 1000;

    /// <summary>
    /// Largest step of a device's <c>seq</c> above its last applied one; a message with a larger jump is refused
    /// (<c>seq-jump</c>), so one forged reading cannot move the dedupe position past everything the device will
    /// send. Default 2⁴⁸ (room for a device that switches to millisecond timestamps as seq). Range ≥ 1.
    /// </summary>
    public long MaxSeqJump { get; set; } = 1L << 48;
}

public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions o)
    {
        var errors = new List<string>();
        if (!(o.MaxReadingsPerSecond > 0 && o.MaxReadingsPerSecond <= 100_000))
            errors.Add($"{IngestOptions.Section}:MaxReadingsPerSecond must be in (0, 100000], got {o.MaxReadingsPerSecond}");
        if (o.Burst is < 1 or > 1_000_000)
            errors.Add($"{IngestOptions.Section}:Burst must be in [1, 1000000], got {o.Burst}");
        if (o.MaxSeqJump < 1)
            errors.Add($"{IngestOptions.Section}:MaxSeqJump must be at least 1, got {o.MaxSeqJump}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
