using Osr.Orleans.Grains.Options;

namespace Osr.Orleans.Grains;

/// <summary>
/// A grain state written at most every <see cref="StateOptions.CheckpointInterval"/> rather than on
/// every change: <see cref="MarkDirty"/> arms a one-shot grain timer (not keeping the grain alive)
/// when none is armed; the timer, <see cref="WriteAsync"/> and <see cref="OnDeactivateAsync"/>
/// write once if something changed. A failed write leaves the state dirty for the next one.
/// Used only on the owning grain's turns.
/// </summary>
internal sealed class DeferredCheckpoint(IGrainBase grain, StateOptions options, Func<Task> write)
{
    private IGrainTimer? _timer;

    public bool IsDirty { get; private set; }

    public void MarkDirty()
    {
        IsDirty = true;
        if (_timer is not null) return;
        _timer = grain.RegisterGrainTimer(static (self, _) => self.OnTimerAsync(), this,
            new GrainTimerCreationOptions(options.CheckpointInterval, Timeout.InfiniteTimeSpan) { KeepAlive = false });
    }

    /// <summary>Forgets pending changes (the state was cleared): nothing is written by the timer or on deactivation.</summary>
    public void Discard()
    {
        IsDirty = false;
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Writes now, whether or not anything is marked.</summary>
    public async Task WriteAsync()
    {
        IsDirty = false;
        try
        {
            await write();
        }
        catch
        {
            IsDirty = true;
            throw;
        }
    }

    /// <summary>Writes what changed, unless the silo is shutting down and <see cref="StateOptions.CheckpointOnShutdown"/> is off.</summary>
    public Task OnDeactivateAsync(DeactivationReason reason) =>
        IsDirty && (options.CheckpointOnShutdown || reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
            ? WriteAsync()
            : Task.CompletedTask;

    private Task OnTimerAsync()
    {
        _timer?.Dispose();
        _timer = null;
        return IsDirty ? WriteAsync() : Task.CompletedTask;
    }
}
