using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Options;

namespace Osr.Orleans.UnitTests.Checkpoints;

/// <summary>
/// The silo's checkpoint scheduler and a grain's <see cref="DeferredCheckpoint"/>, without a cluster: the fake clock
/// stands for time, a tick is one <see cref="CheckpointScheduler.FlushDue"/>, and the scheduler's grain call is the
/// grain's <see cref="DeferredCheckpoint.FlushAsync"/> run directly (what the grain does in its turn).
/// </summary>
public sealed class CheckpointSchedulerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly CheckpointScheduler _scheduler;
    private int _writes;
    private int _failuresLeft;

    public CheckpointSchedulerTests() =>
        _scheduler = new CheckpointScheduler(new StateOptions { CheckpointInterval = Interval }, _time, NullLogger.Instance, c => c.FlushAsync());

    private DeferredCheckpoint NewCheckpoint() => new(new NoGrain(() =>
    {
        if (_failuresLeft > 0)
        {
            _failuresLeft--;
            return Task.FromException(new IOException("storage down"));
        }
        _writes++;
        return Task.CompletedTask;
    }), _scheduler);

    [Fact]
    public void TheTickIsAQuarterOfTheIntervalAndAtMostOneSecond()
    {
        _scheduler.Tick.Should().Be(TimeSpan.FromSeconds(1));
        new CheckpointScheduler(new StateOptions { CheckpointInterval = TimeSpan.FromMilliseconds(200) }, _time, NullLogger.Instance, _ => Task.CompletedTask)
            .Tick.Should().Be(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void ADirtyStateIsWrittenWithinTheIntervalWithoutAnyCallOfItsGrain()
    {
        var checkpoint = NewCheckpoint();
        checkpoint.MarkDirty();
        _time.Advance(TimeSpan.FromSeconds(3));
        checkpoint.MarkDirty(); // a later change of the same period: no second entry
        _scheduler.Pending.Should().Be(1);

        _time.Advance(TimeSpan.FromSeconds(1.9));
        _scheduler.FlushDue().Should().Be(0, "not due before one interval after the first change");
        _time.Advance(TimeSpan.FromSeconds(0.1));
        _scheduler.FlushDue().Should().Be(1);

        _writes.Should().Be(1);
        checkpoint.IsDirty.Should().BeFalse();
        _scheduler.Pending.Should().Be(0);
    }

    [Fact]
    public void AGrainIsCalledOncePerChangeNeverAgainWhileItStaysIdle()
    {
        var checkpoint = NewCheckpoint();
        checkpoint.MarkDirty();
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(1);

        for (var i = 0; i < 20; i++)
        {
            _time.Advance(_scheduler.Tick);
            _scheduler.FlushDue().Should().Be(0, "a clean grain is not called: the scheduler does not keep it alive");
        }
        _scheduler.Flushes.Should().Be(1);
        _writes.Should().Be(1);
    }

    [Fact]
    public async Task AStateWrittenByACallOfItsGrainIsNotCalledForAgain()
    {
        var checkpoint = NewCheckpoint();
        checkpoint.MarkDirty();
        _time.Advance(TimeSpan.FromSeconds(3.9));
        checkpoint.IsDue.Should().BeFalse("a call writes from one tick before the interval on");
        await checkpoint.WriteIfDueAsync();
        _writes.Should().Be(0);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        checkpoint.IsDue.Should().BeTrue();
        await checkpoint.WriteIfDueAsync();
        _writes.Should().Be(1);

        _time.Advance(TimeSpan.FromSeconds(2));
        _scheduler.FlushDue().Should().Be(0);
        _scheduler.Skipped.Should().Be(1, "the entry of the written period is dropped without a call");
        _scheduler.Pending.Should().Be(0);
    }

    [Fact]
    public async Task AFailedFlushLeavesTheStateDirtyAndTheNextChangeTriesAgain()
    {
        var checkpoint = NewCheckpoint();
        _failuresLeft = 1;
        checkpoint.MarkDirty();
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(1);
        checkpoint.IsDirty.Should().BeTrue("a failed write leaves the state dirty");
        _writes.Should().Be(0);

        _time.Advance(TimeSpan.FromMinutes(1));
        _scheduler.FlushDue().Should().Be(0, "the scheduler does not retry on its own: it would keep an idle grain alive");

        checkpoint.MarkDirty();
        checkpoint.IsDue.Should().BeFalse("the next change starts a new period");
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(1);
        _writes.Should().Be(1);
        checkpoint.IsDirty.Should().BeFalse();

        // And a deactivation after a failed flush writes too.
        _failuresLeft = 1;
        checkpoint.MarkDirty();
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(1);
        checkpoint.IsDirty.Should().BeTrue();
        await checkpoint.OnDeactivateAsync(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "idle"));
        _writes.Should().Be(2);
    }

    [Fact]
    public void AFlushCallThatNeverArrivesIsQueuedAgainByTheNextChangeOnceOverdue()
    {
        var drop = true; // the one-way call is lost (dropped, refused, or delivered to another activation)
        var scheduler = new CheckpointScheduler(new StateOptions { CheckpointInterval = Interval }, _time, NullLogger.Instance,
            c => drop ? Task.CompletedTask : c.FlushAsync());
        var checkpoint = new DeferredCheckpoint(new NoGrain(() =>
        {
            _writes++;
            return Task.CompletedTask;
        }), scheduler);
        checkpoint.MarkDirty();
        _time.Advance(Interval);
        scheduler.FlushDue().Should().Be(1);
        checkpoint.IsDirty.Should().BeTrue("the call never reached the grain");

        _time.Advance(scheduler.Tick);
        checkpoint.MarkDirty();
        scheduler.Pending.Should().Be(0, "one tick after its call the flush may still be on its way");

        _time.Advance(scheduler.Tick);
        checkpoint.MarkDirty();
        scheduler.Pending.Should().Be(1, "two ticks after its call the flush is lost: the change starts a new period");
        checkpoint.MarkDirty();
        scheduler.Pending.Should().Be(1, "once per period");

        drop = false;
        _time.Advance(Interval);
        scheduler.FlushDue().Should().Be(1);
        _writes.Should().Be(1);
        checkpoint.IsDirty.Should().BeFalse();
    }

    [Fact]
    public async Task AFailedWriteInACallIsQueuedForOneFlushAnIntervalLater()
    {
        var checkpoint = NewCheckpoint();
        checkpoint.MarkDirty();
        _time.Advance(Interval - _scheduler.Tick);
        _failuresLeft = 1;
        await checkpoint.WriteIfDueAsync(); // logged, not thrown into the grain's call
        checkpoint.IsDirty.Should().BeTrue();
        checkpoint.IsDue.Should().BeFalse("the failed write starts a new period: storage is not retried on every call");

        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(1);
        _writes.Should().Be(1);
        checkpoint.IsDirty.Should().BeFalse();
    }

    [Fact]
    public async Task AnExplicitWriteThatFailsThrowsAndStaysDirty()
    {
        var checkpoint = NewCheckpoint();
        _failuresLeft = 1;
        var write = () => checkpoint.WriteAsync();
        await write.Should().ThrowAsync<IOException>();
        checkpoint.IsDirty.Should().BeTrue();
        await checkpoint.WriteAsync();
        checkpoint.IsDirty.Should().BeFalse();
    }

    [Fact]
    public async Task DeactivationWritesAndTheScheduledEntryIsDroppedWithoutACall()
    {
        var checkpoint = NewCheckpoint();
        checkpoint.MarkDirty();
        await checkpoint.OnDeactivateAsync(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "idle"));
        _writes.Should().Be(1);

        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(0, "a deactivated grain is never called: the call would activate it again");
        checkpoint.MarkDirty();
        _scheduler.Pending.Should().Be(0);
    }

    [Fact]
    public async Task WithoutCheckpointOnShutdownAShutdownWritesNothingAndNothingIsCalled()
    {
        var scheduler = new CheckpointScheduler(new StateOptions { CheckpointInterval = Interval, CheckpointOnShutdown = false },
            _time, NullLogger.Instance, c => c.FlushAsync());
        var checkpoint = new DeferredCheckpoint(new NoGrain(() => Task.FromResult(_writes++)), scheduler);
        checkpoint.MarkDirty();
        await checkpoint.OnDeactivateAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "shutdown"));
        _time.Advance(Interval);
        scheduler.FlushDue().Should().Be(0);
        _writes.Should().Be(0);
    }

    [Fact]
    public void ADiscardedStateIsNeitherWrittenNorCalledFor()
    {
        var checkpoint = NewCheckpoint();
        checkpoint.MarkDirty();
        checkpoint.Discard();
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(0);
        _writes.Should().Be(0);
    }

    [Fact]
    public void CleanCheckpointsHoldNoEntryAndEachDirtyOneHoldsOne()
    {
        var checkpoints = Enumerable.Range(0, 1000).Select(_ => NewCheckpoint()).ToArray();
        _scheduler.Pending.Should().Be(0);
        foreach (var c in checkpoints.Take(10))
            for (var i = 0; i < 5; i++) c.MarkDirty();
        _scheduler.Pending.Should().Be(10);
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(10);
        _scheduler.Pending.Should().Be(0);
    }

    [Fact]
    public async Task TheRunningLoopTicksOnItsClock()
    {
        var flushed = new SemaphoreSlim(0);
        var scheduler = new CheckpointScheduler(new StateOptions { CheckpointInterval = Interval }, _time, NullLogger.Instance, async c =>
        {
            await c.FlushAsync();
            flushed.Release();
        });
        var checkpoint = new DeferredCheckpoint(new NoGrain(() => Task.FromResult(_writes++)), scheduler);
        using var stop = new CancellationTokenSource();
        var loop = scheduler.RunAsync(stop.Token);
        checkpoint.MarkDirty();

        // One tick of the fake clock at a time, each woken as soon as the loop flushes (bounded: 20 s in all).
        var rounds = 0;
        do
        {
            (++rounds).Should().BeLessThan(200, "the loop should flush once the clock passes the interval");
            _time.Advance(scheduler.Tick);
        } while (!await flushed.WaitAsync(TimeSpan.FromMilliseconds(100)));

        _writes.Should().Be(1);
        _time.GetUtcNow().Should().BeOnOrAfter(new DateTimeOffset(2026, 12, 7, 8, 0, 5, TimeSpan.Zero), "not before the interval");
        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task AWriteRefusedAsStaleStopsWritingAndDeactivatesTheGrainSoItReloads()
    {
        var owner = NoGrain.Refusing();
        var checkpoint = new DeferredCheckpoint(owner, _scheduler);
        checkpoint.MarkDirty();
        _time.Advance(Interval);
        _scheduler.FlushDue().Should().Be(1);

        owner.Attempts.Should().Be(1);
        owner.Superseded.Should().Be(1, "the grain is asked to deactivate, so that its next call reads what the other activation wrote");
        checkpoint.IsSuperseded.Should().BeTrue();
        checkpoint.IsDirty.Should().BeFalse("a stale state is never written: every retry would be refused");

        checkpoint.MarkDirty();
        checkpoint.Discard();
        checkpoint.MarkDirty();
        _scheduler.Pending.Should().Be(0, "later changes of the stale activation queue nothing, even after its state was cleared");
        await checkpoint.WriteIfDueAsync();
        await checkpoint.OnDeactivateAsync(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "superseded"));
        owner.Attempts.Should().Be(1, "neither a call nor the deactivation tries again");
    }

    [Fact]
    public async Task AWriteInACallRefusedAsStaleIsNotQueuedAgainAndLaterWritesRefuseAtOnce()
    {
        var owner = NoGrain.Refusing();
        var checkpoint = new DeferredCheckpoint(owner, _scheduler);
        checkpoint.MarkDirty();
        _time.Advance(Interval);
        checkpoint.IsDue.Should().BeTrue();
        await checkpoint.WriteIfDueAsync(); // the grain's own call writes: refused

        owner.Attempts.Should().Be(1);
        owner.Superseded.Should().Be(1);
        _scheduler.FlushDue().Should().Be(0, "the period's entry finds nothing dirty, and the refusal queued no new one");
        _scheduler.Pending.Should().Be(0);

        var explicitWrite = () => checkpoint.WriteAsync();
        await explicitWrite.Should().ThrowAsync<InconsistentStateException>("an explicit write of a superseded state cannot succeed either");
        owner.Attempts.Should().Be(1, "it is refused without reaching the storage");
        checkpoint.IsDirty.Should().BeFalse("and it does not make the checkpoint dirty again");
    }

    [Fact]
    public async Task ADeactivationWhoseWriteIsRefusedAsStaleDoesNotThrow()
    {
        var owner = NoGrain.Refusing();
        var checkpoint = new DeferredCheckpoint(owner, _scheduler);
        checkpoint.MarkDirty();
        var deactivate = () => checkpoint.OnDeactivateAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "shutdown"));
        await deactivate.Should().NotThrowAsync("the other activation's write stands; the runtime gains nothing from the exception");
        checkpoint.IsSuperseded.Should().BeTrue();

        var other = NewCheckpoint();
        _failuresLeft = 1;
        other.MarkDirty();
        var failing = () => other.OnDeactivateAsync(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "idle"));
        await failing.Should().ThrowAsync<IOException>("any other failure still reaches the runtime");
    }

    /// <summary>An owner without a grain context (only logging reads it, and copes) that writes with <paramref name="write"/>.</summary>
    private sealed class NoGrain(Func<Task> write) : ICheckpointWriter
    {
        public IGrainContext GrainContext => null!;

        /// <summary>Times the checkpoint asked the grain to deactivate (<see cref="ICheckpointWriter.OnSuperseded"/>).</summary>
        public int Superseded { get; private set; }

        /// <summary>Writes attempted.</summary>
        public int Attempts { get; private set; }

        /// <summary>An owner whose every write the storage refuses as stale (another activation wrote since).</summary>
        public static NoGrain Refusing() =>
            new(() => Task.FromException(new InconsistentStateException("Version conflict (WriteState)", "9", "10")));

        public Task WriteCheckpointAsync()
        {
            Attempts++;
            return write();
        }

        public void OnSuperseded() => Superseded++;
    }
}
