using Orleans.Concurrency;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// A grain whose state is checkpointed after a delay rather than on every change (docs/decisions.md 10 and 101). Called
/// only by the silo's checkpoint scheduler, once per dirty period that no call of the grain's own wrote in time: the grain
/// writes what changed if anything is still unwritten, and does nothing otherwise.
/// </summary>
[Alias("osr.ICheckpointFlushGrain")]
public interface ICheckpointFlushGrain : IGrain
{
    /// <summary>Writes the deferred checkpoint if it is still dirty (fire and forget: a failure is logged by the grain's silo).</summary>
    [OneWay, Alias("FlushCheckpoint")]
    Task FlushCheckpointAsync();
}
