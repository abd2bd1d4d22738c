using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Filtering;
using Orleans.Storage;

namespace Osr.Orleans.Grains;

/// <summary>
/// What every <see cref="UserStateGrain"/> of a silo shares: its singletons and option values, gathered in one object
/// so an activation holds one reference instead of a field for each (the silo holds one activation per active user;
/// docs/benchmarks.md "Live heap per user: the grain's own objects"). Registered as a singleton by
/// <see cref="GrainsServiceCollectionExtensions.AddOsrGrainServices"/>.
/// </summary>
public sealed class UserStateServices(
    IOptions<StateOptions> stateOptions,
    IOptions<DecisionOptions> decisionOptions,
    IOptions<LearningOptions> learningOptions,
    IOptions<FilterOptions> filterOptions,
    IOptions<IngestOptions> ingestOptions,
    IOptions<AlsTrainingOptions> alsOptions,
    IngestCounters counters,
    ActivationCounter activations,
    OsrClock clock,
    IEventStore events,
    ActiveModels activeModels,
    RulesCache rules,
    ScoreWindow scoreWindow,
    Admin.AuditOutbox audit,
    CheckpointScheduler checkpoints,
    [FromKeyedServices(StorageNames.Default)] IGrainStorage storage,
    ILogger<UserStateGrain> logger)
{
    public StateOptions StateOptions { get; } = stateOptions.Value;
    public DecisionOptions Decisions { get; } = decisionOptions.Value;
    public LearningOptions Learning { get; } = learningOptions.Value;
    public FilterOptions Filter { get; } = filterOptions.Value;
    public IngestOptions Ingest { get; } = ingestOptions.Value;
    public AlsTrainingOptions Als { get; } = alsOptions.Value;
    public IngestCounters Counters { get; } = counters;
    public ActivationCounter Activations { get; } = activations;
    public OsrClock Clock { get; } = clock;
    public IEventStore Events { get; } = events;
    public ActiveModels ActiveModels { get; } = activeModels;
    public RulesCache Rules { get; } = rules;
    public ScoreWindow ScoreWindow { get; } = scoreWindow;
    public Admin.AuditOutbox Audit { get; } = audit;
    public CheckpointScheduler Checkpoints { get; } = checkpoints;

    /// <summary>Where the grain's state is stored: <see cref="StorageNames.Default"/>, under <see cref="UserStateGrain.StateName"/>.</summary>
    public StateStore UserStore { get; } = new(storage, UserStateGrain.StateName);

    /// <summary>The grain's logger (category <see cref="UserStateGrain"/>).</summary>
    public ILogger Logger { get; } = logger;
}
