namespace Osr.Orleans.Models.Readings;

/// <summary>Which clock the reading rules use (docs/contract.md, "Clock"; <c>Osr:Clock</c>).</summary>
public enum ClockMode : byte
{
    /// <summary>
    /// Live ingestion: a reading's <c>ts</c> may lag the wall clock by at most
    /// <see cref="ReadingValidationOptions.MaxLateness"/> and lead it by at most
    /// <see cref="ReadingValidationOptions.MaxSkew"/>.
    /// </summary>
    Wall = 0,

    /// <summary>Replays and backtests: no wall-clock bound applies to <c>ts</c>.</summary>
    Event = 1,
}
