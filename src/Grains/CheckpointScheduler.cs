using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;

namespace Osr.Orleans.Grains;

/// <summary>
/// One timer for the whole silo instead of a grain timer per dirty grain (docs/decisions.md 101): the silo's
/// <see cref="DeferredCheckpoint"/>s are written within about <see cref="StateOptions.CheckpointInterval"/> of the first
/// change that made them dirty, and no clean grain costs anything here.
/// </summary>
/// <remarks>
/// <para>A checkpoint that becomes dirty puts one entry (itself and the time it became dirty, 16 bytes) at the end of a
/// queue; all entries share one interval, so the queue is in due order and each tick takes entries off its head. Every
/// <see cref="Tick"/> (<see cref="StateOptions.CheckpointInterval"/> / 4, at most 1 s) the entries due are looked at:
/// one whose checkpoint was written since (by a call of its grain, <see cref="DeferredCheckpoint.IsDue"/>, which writes
/// one tick before the scheduler would) or whose grain deactivated is dropped without a call; one still dirty since the
/// same time gets one <see cref="ICheckpointFlushGrain.FlushCheckpointAsync"/>, a one-way call that writes in the
/// grain's own turn. So a grain is written between one interval and one interval plus a tick after its first unwritten
/// change, busy grains write in a call they handle anyway, and an idle grain receives at most one call per change —
/// the call counts as activity, so it lives at most about one interval longer than without it, never indefinitely: a
/// flush that fails is not retried by the scheduler (the grain's next change or its deactivation tries again; after a
/// refusal by the storage's version check nothing tries again: the grain deactivates, see <see cref="DeferredCheckpoint"/>). A flush
/// call that never reaches the grain (dropped, refused, or delivered to another activation) is noticed the same way: a
/// change two ticks past its due time finds the period unwritten and starts a new one (<see cref="IsLost"/>).</para>
/// <para>Time is the application clock's <see cref="TimeProvider.GetTimestamp"/> (monotonic; faked in tests).</para>
/// <para>A flush that races a deactivation (the grain deactivated between the scheduler's check and the call's arrival:
/// a shutdown, an erasure, memory-pressure shedding) reaches a new, clean activation, which writes nothing but stays
/// until it is collected as idle. Orleans offers applications no call that neither activates nor keeps alive (its grain
/// timers use an internal non-keep-alive, local-only message), so the race is narrowed, not closed.</para>
/// </remarks>
public sealed partial class CheckpointScheduler : BackgroundService
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<DeferredCheckpoint, Task> _flush;
    private readonly long _interval;
    private readonly long _lead;
    private readonly Queue<Entry> _queue = new();
    private readonly List<Entry> _due = [];
    private long _flushes;
    private long _skipped;

    public CheckpointScheduler(IOptions<StateOptions> options, OsrClock clock, IGrainFactory grains, ILogger<CheckpointScheduler> logger)
        : this(options.Value, clock.Provider, logger,
            c => grains.GetGrain<ICheckpointFlushGrain>(c.Owner.GrainContext.GrainId).FlushCheckpointAsync())
    {
    }

    /// <param name="flush">Asks the checkpoint's grain to write (a grain call; tests write directly).</param>
    internal CheckpointScheduler(StateOptions options, TimeProvider time, ILogger logger, Func<DeferredCheckpoint, Task> flush)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _logger = logger;
        _flush = flush;
        CheckpointOnShutdown = options.CheckpointOnShutdown;
        var interval = options.CheckpointInterval;
        Tick = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, interval.Ticks / 4));
        _interval = ToTimestamp(interval);
        _lead = ToTimestamp(Tick);
    }

    /// <summary>How often the scheduler looks for due checkpoints: a quarter of the interval, at most 1 s.</summary>
    public TimeSpan Tick { get; }

    /// <summary><see cref="StateOptions.CheckpointOnShutdown"/>: whether deactivation at shutdown writes.</summary>
    public bool CheckpointOnShutdown { get; }

    /// <summary>Flush calls made so far.</summary>
    internal long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Entries dropped without a call (written by their grain since, or deactivated).</summary>
    internal long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Entries waiting (one per dirty checkpoint, plus stale ones until they are due).</summary>
    internal int Pending
    {
        get
        {
            lock (_queue) return _queue.Count;
        }
    }

    /// <summary>The scheduler's clock (<see cref="TimeProvider.GetTimestamp"/>; never 0, which means "clean").</summary>
    internal long Now() => Math.Max(1, _time.GetTimestamp());

    /// <summary>Whether a checkpoint dirty since <paramref name="dirtySince"/> should be written by the call its grain is handling:
    /// one tick before the scheduler would ask for it.</summary>
    internal bool IsDueForCall(long dirtySince) => Now() - dirtySince >= _interval - _lead;

    /// <summary>
    /// Whether the flush for a period dirty since <paramref name="dirtySince"/> should have been written by now (one interval
    /// and two ticks): the scheduler asked for it at the latest one tick after the interval, so its call was lost.
    /// </summary>
    internal bool IsLost(long dirtySince) => Now() - dirtySince >= _interval + 2 * _lead;

    /// <summary>Called by <paramref name="checkpoint"/> on its grain's turn when it becomes dirty at <paramref name="dirtySince"/>.</summary>
    internal void Enqueue(DeferredCheckpoint checkpoint, long dirtySince)
    {
        lock (_queue) _queue.Enqueue(new Entry(checkpoint, dirtySince));
    }

    internal void WriteFailed(DeferredCheckpoint checkpoint, Exception exception)
    {
        var grain = checkpoint.Owner.GrainContext?.GrainId.ToString() ?? "?";
        if (exception is InconsistentStateException) CheckpointSuperseded(_logger, grain, exception.Message);
        else CheckpointFailed(_logger, exception, grain);
    }

    /// <summary>One tick: asks every due checkpoint's grain that is still dirty since the same change to write. Returns the calls made.</summary>
    internal int FlushDue()
    {
        var now = Now();
        lock (_queue)
        {
            while (_queue.TryPeek(out var head) && now - head.DirtySince >= _interval) _due.Add(_queue.Dequeue());
        }
        var calls = 0;
        foreach (var (checkpoint, dirtySince) in _due)
        {
            if (!checkpoint.IsDirtySince(dirtySince))
            {
                Interlocked.Increment(ref _skipped);
                continue;
            }
            calls++;
            Interlocked.Increment(ref _flushes);
            try
            {
                var call = _flush(checkpoint);
                if (!call.IsCompletedSuccessfully) _ = ObserveAsync(call, checkpoint);
            }
            catch (Exception ex)
            {
                FlushCallFailed(_logger, ex, checkpoint.Owner.GrainContext?.GrainId.ToString() ?? "?");
            }
        }
        _due.Clear();
        return calls;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    /// <summary>Ticks until <paramref name="stoppingToken"/> asks to stop (the timer exists when this returns its task).</summary>
    internal async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, _time);
        while (await timer.NextTickOrStopAsync(stoppingToken)) FlushDue();
    }

    private async Task ObserveAsync(Task call, DeferredCheckpoint checkpoint)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FlushCallFailed(_logger, ex, checkpoint.Owner.GrainContext?.GrainId.ToString() ?? "?");
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private readonly record struct Entry(DeferredCheckpoint Checkpoint, long DirtySince);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Checkpoint of {Grain} failed; it stays dirty and is tried again on its next change or deactivation")]
    private static partial void CheckpointFailed(ILogger logger, Exception exception, string grain);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Could not ask {Grain} to write its checkpoint; it is written on its next change or deactivation")]
    private static partial void FlushCallFailed(ILogger logger, Exception exception, string grain);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Checkpoint of {Grain} refused by the storage's version check ({Detail}): the stored state " +
        "was written since this activation read it (by another activation while a silo left, or by a write whose answer was lost). " +
        "This activation deactivates without writing; the next call reads the stored state")]
    private static partial void CheckpointSuperseded(ILogger logger, string grain, string detail);
}
