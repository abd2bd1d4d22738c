using Orleans.Storage;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;

namespace Osr.Orleans.Grains;

/// <summary>
/// A grain state written at most about every <see cref="StateOptions.CheckpointInterval"/> rather than on every change
/// (docs/decisions.md 10 and 101), without a grain timer: <see cref="MarkDirty"/> notes when the state became dirty and
/// hands the silo's <see cref="CheckpointScheduler"/> one entry. The state is then written by whichever comes first:
/// a call the grain handles once the state has been dirty for about the interval (<see cref="IsDue"/>,
/// <see cref="WriteIfDueAsync"/>), the scheduler's <see cref="ICheckpointFlushGrain.FlushCheckpointAsync"/> (<see cref="FlushAsync"/>),
/// an explicit <see cref="WriteAsync"/>, or deactivation (<see cref="OnDeactivateAsync"/>). A failed write leaves the
/// state dirty: the next change starts a new period (and queues a new entry), deactivation tries again. A write refused
/// by the storage's version check (<see cref="InconsistentStateException"/>: another activation wrote the state since
/// this one read it, as when a silo leaves and the grain was briefly active twice, or an earlier write of this one
/// succeeded but its answer was lost) can never succeed from this activation: the checkpoint is superseded, writes
/// nothing more, and asks its grain to deactivate (<see cref="ICheckpointWriter.OnSuperseded"/>), so the next call
/// reads the stored state (docs/decisions.md 105). Orleans deactivates a grain whose call throws that exception
/// anyway; this covers the writes whose failure is only logged (the scheduler's flush, a write in a call).
/// Used only on the owning grain's turns; the scheduler reads <see cref="IsDirtySince"/> from its own thread.
/// The owner writes (<see cref="ICheckpointWriter"/>), so a checkpoint holds no delegate of its own.
/// </summary>
internal sealed class DeferredCheckpoint(ICheckpointWriter owner, CheckpointScheduler scheduler)
{
    private const long Clean = 0;
    private const long Gone = -1;

    /// <summary>The scheduler's time of the first change not written yet; <see cref="Clean"/>, or <see cref="Gone"/> once the grain deactivated or the checkpoint was superseded.</summary>
    private long _dirtySince;

    /// <summary>Whether the scheduler holds an entry for the current dirty period.</summary>
    private bool _queued;

    public ICheckpointWriter Owner => owner;

    public bool IsDirty => _dirtySince > 0;

    /// <summary>A write was refused as stale (another activation wrote since): nothing more is written from this activation.</summary>
    public bool IsSuperseded { get; private set; }

    /// <summary>Whether the call the grain is handling should write: dirty for about the interval (one scheduler tick less).</summary>
    public bool IsDue => _dirtySince > 0 && scheduler.IsDueForCall(_dirtySince);

    /// <summary>
    /// Something changed. The first change of a period queues one entry with the scheduler; later ones cost a compare and a
    /// monotonic clock read.
    /// A period the scheduler should have flushed long ago (<see cref="CheckpointScheduler.IsLost"/>: its one-way call
    /// was dropped, refused or reached another activation) is treated as lost, and this change starts a new one.
    /// </summary>
    public void MarkDirty()
    {
        if (_dirtySince == Gone || (_queued && !scheduler.IsLost(_dirtySince))) return;
        var now = scheduler.Now();
        Volatile.Write(ref _dirtySince, now);
        _queued = true;
        scheduler.Enqueue(this, now);
    }

    /// <summary>Read by the scheduler (any thread): still dirty since the change its entry was queued for.</summary>
    internal bool IsDirtySince(long dirtySince) => Volatile.Read(ref _dirtySince) == dirtySince;

    /// <summary>Forgets pending changes (the state was cleared): nothing is written by the scheduler or on deactivation.</summary>
    public void Discard()
    {
        if (_dirtySince == Gone) return; // deactivated or superseded: stays so
        Volatile.Write(ref _dirtySince, Clean);
        _queued = false;
    }

    /// <summary>
    /// Writes now, whether or not anything is marked; a failure is thrown and leaves the state dirty, except a refusal by
    /// the version check, which supersedes the checkpoint. A superseded checkpoint refuses at once.
    /// </summary>
    public async Task WriteAsync()
    {
        if (IsSuperseded) throw new InconsistentStateException("the state was written by another activation or write since this activation read it; it deactivates");
        Volatile.Write(ref _dirtySince, Clean);
        _queued = false;
        try
        {
            await owner.WriteCheckpointAsync();
        }
        catch (InconsistentStateException)
        {
            // Stale: retrying cannot succeed. Nothing more is written or queued; the grain deactivates and reloads.
            IsSuperseded = true;
            Volatile.Write(ref _dirtySince, Gone);
            owner.OnSuperseded();
            throw;
        }
        catch
        {
            // Dirty again, with no entry: the next change queues one (a period from then), deactivation writes.
            if (_dirtySince == Clean) Volatile.Write(ref _dirtySince, scheduler.Now());
            throw;
        }
    }

    /// <summary>
    /// In a call that changed the state: writes in this turn when <see cref="IsDue"/>, so a grain that keeps being called
    /// needs no call from the scheduler. Never throws: a failure is logged and queued once more (one flush an interval
    /// later), a refusal by the version check only logged (the grain deactivates).
    /// </summary>
    public ValueTask WriteIfDueAsync() => IsDue ? new ValueTask(WriteInCallAsync()) : ValueTask.CompletedTask;

    /// <summary>The scheduler's call (<see cref="ICheckpointFlushGrain.FlushCheckpointAsync"/>): writes if still dirty; a failure is logged, not retried by the scheduler.</summary>
    public async Task FlushAsync()
    {
        if (!IsDirty) return;
        try
        {
            await WriteAsync();
        }
        catch (Exception ex)
        {
            scheduler.WriteFailed(this, ex);
        }
    }

    /// <summary>Writes what changed, unless the silo is shutting down and <see cref="StateOptions.CheckpointOnShutdown"/> is off.
    /// A refusal by the version check is logged, not thrown (the other write stands); other failures are thrown.
    /// Afterwards the scheduler drops this checkpoint's entry, whatever happened.</summary>
    public async Task OnDeactivateAsync(DeactivationReason reason)
    {
        try
        {
            if (IsDirty && (scheduler.CheckpointOnShutdown || reason.ReasonCode != DeactivationReasonCode.ShuttingDown)) await WriteAsync();
        }
        catch (InconsistentStateException ex)
        {
            // The stored state is newer than this activation's: it stands (logged, not thrown at the runtime).
            scheduler.WriteFailed(this, ex);
        }
        finally
        {
            Volatile.Write(ref _dirtySince, Gone);
            _queued = false;
        }
    }

    private async Task WriteInCallAsync()
    {
        try
        {
            await WriteAsync();
        }
        catch (Exception ex)
        {
            scheduler.WriteFailed(this, ex);
            if (_queued || _dirtySince <= 0) return;
            _queued = true;
            scheduler.Enqueue(this, _dirtySince);
        }
    }
}

/// <summary>A grain whose state a <see cref="DeferredCheckpoint"/> writes; it also implements <see cref="ICheckpointFlushGrain"/>, which the scheduler calls (not inherited here: an internal interface deriving from a grain interface would become one).</summary>
internal interface ICheckpointWriter : IGrainBase
{
    /// <summary>Writes the state now (in the grain's turn); a failure is thrown.</summary>
    Task WriteCheckpointAsync();

    /// <summary>Another activation wrote the state since this one read it: this activation deactivates, and the next call reads the stored state.</summary>
    void OnSuperseded() => this.DeactivateOnIdle();
}
