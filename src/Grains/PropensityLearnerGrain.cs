using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IPropensityLearnerGrain"/>
/// <remarks>
/// The posterior is learned in memory (<see cref="OnlinePropensity.Learn"/>, one ADF update per
/// outcome) — with <see cref="LearningOptions.Refit"/> (off by default) also refitted from the outcomes learned since
/// activation every tenth of their growth (<see cref="PropensityRefit"/>, with the posterior at activation as its prior,
/// in the grain's turn) — and checkpointed to grain storage about <see cref="StateOptions.CheckpointInterval"/> after a change
/// and on deactivation, so a restart keeps what was learned (outcomes since the last checkpoint of a
/// crashed silo are lost, never double-counted).
/// </remarks>
public sealed partial class PropensityLearnerGrain(
    [PersistentState("propensity", StorageNames.Default)] IPersistentState<OnlinePropensityState> state,
    IOptions<LearningOptions> options,
    CheckpointScheduler checkpoints,
    ILogger<PropensityLearnerGrain> logger) : Grain, IPropensityLearnerGrain, ICheckpointFlushGrain, ICheckpointWriter
{
    private OnlinePropensity? _model;
    private PropensityRefit? _refit;
    private DeferredCheckpoint? _checkpoint;

    private DeferredCheckpoint Checkpoint => _checkpoint ??= new DeferredCheckpoint(this, checkpoints);

    public Task FlushCheckpointAsync() => _checkpoint?.FlushAsync() ?? Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            _model = OnlinePropensity.Restore(state.State, options.Value.Model);
        }
        catch (ArgumentException ex)
        {
            Log.Unreadable(logger, ex);
            _model = new OnlinePropensity(options.Value.Model);
        }
        if (options.Value.Refit) _refit = new PropensityRefit(options.Value.Model, options.Value.RefitWindow, _model.Snapshot());
        state.State = new OnlinePropensityState(); // the live model is the truth; no second copy in memory
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        Checkpoint.OnDeactivateAsync(reason);

    public Task LearnAsync(PropensityOutcome[] outcomes)
    {
        var model = _model!;
        Span<ulong> keys = stackalloc ulong[OnlinePropensity.CellCount];
        foreach (var o in outcomes)
        {
            var context = new PropensityContext(DecisionFeatures.ParseLabel(o.Label), DecisionFeatures.ToVector(o.Features), o.Segment);
            OnlinePropensity.Cells(in context, o.Category, o.Head, keys);
            model.Learn(keys, o.Head, o.Happened);
            _refit?.Add(keys, o.Happened, model.WeightOf(o.Head));
        }
        if (_refit is { Due: true }) _model = OnlinePropensity.Restore(_refit.Fit(model), options.Value.Model);
        if (outcomes.Length == 0) return Task.CompletedTask;
        Checkpoint.MarkDirty();
        return Checkpoint.WriteIfDueAsync().AsTask();
    }

    public ValueTask<OnlinePropensityState?> GetPosteriorAsync(long knownVersion) =>
        ValueTask.FromResult(_model!.StateVersion == knownVersion ? null : _model.Snapshot());

    Task ICheckpointWriter.WriteCheckpointAsync()
    {
        state.State = _model!.Snapshot();
        return state.WriteStateAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1901, Level = LogLevel.Error, Message = "The stored propensity posterior is unreadable; learning starts again from the prior")]
        public static partial void Unreadable(ILogger logger, Exception ex);
    }
}
