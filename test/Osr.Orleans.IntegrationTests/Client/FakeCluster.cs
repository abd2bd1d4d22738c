using Osr.Orleans.Models.Events;
using Orleans.Runtime;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.IntegrationTests.Client;

/// <summary>A cluster connection whose grain factory serves the string-keyed fakes registered with <see cref="Add{T}"/>.</summary>
internal sealed class FakeClusterConnection : IClusterConnection, IGrainFactory
{
    private readonly Dictionary<(Type, string), object> _grains = [];

    public IGrainFactory Grains => this;

    /// <summary>The command tests with this fake read no live view; those run against real silos.</summary>
    public global::Orleans.Streams.IStreamProvider LiveStreams => throw new NotSupportedException("no live views in the fake cluster");

    public int Disposed { get; private set; }

    public FakeClusterConnection Add<TGrainInterface>(string key, TGrainInterface grain)
        where TGrainInterface : IGrainWithStringKey
    {
        _grains[(typeof(TGrainInterface), key)] = grain;
        return this;
    }

    public ValueTask DisposeAsync()
    {
        Disposed++;
        return ValueTask.CompletedTask;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null)
        where TGrainInterface : IGrainWithStringKey =>
        _grains.TryGetValue((typeof(TGrainInterface), primaryKey), out var grain)
            ? (TGrainInterface)grain
            : throw new NotSupportedException($"the fake cluster has no {typeof(TGrainInterface).Name}/{primaryKey}");

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidKey => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerKey => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidCompoundKey => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerCompoundKey => throw Unsupported();

    public TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver => throw Unsupported();

    public void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, string grainPrimaryKey) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey, string keyExtension) => throw Unsupported();

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey, string keyExtension) => throw Unsupported();

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IAddressable => throw Unsupported();

    public IAddressable GetGrain(GrainId grainId) => throw Unsupported();

    public IAddressable GetGrain(GrainId grainId, GrainInterfaceType interfaceType) => throw Unsupported();

    public IAddressable GetGrain(Type interfaceType, IdSpan grainKey, string grainClassNamePrefix) => throw Unsupported();

    public IAddressable GetGrain(Type interfaceType, IdSpan grainKey) => throw Unsupported();

    private static NotSupportedException Unsupported() => new("the fake cluster only serves string-keyed grains registered with Add");
}

/// <summary>
/// A scripted <see cref="IModelRegistryGrain"/>: <see cref="StartTrainingAsync"/> answers <see cref="Started"/> (with the
/// requested kind), <see cref="GetJobAsync"/> answers the queued <see cref="Updates"/> in order and then repeats the last one.
/// </summary>
internal sealed class FakeModelRegistryGrain : IModelRegistryGrain, IModelAdminGrain
{
    private TrainingJob? _last;

    public List<(string Kind, bool PromoteIfBetter)> StartCalls { get; } = [];
    public List<string> JobCalls { get; } = [];
    public List<(string Kind, string Version)> PromoteCalls { get; } = [];
    public List<string> RollbackCalls { get; } = [];

    public TrainingJob Started { get; set; } = Job(TrainingState.Running, 0, 4);
    public Queue<TrainingJob?> Updates { get; } = new();
    public ModelVersionView[] Versions { get; set; } = [];
    public RegistryResult PromoteResult { get; set; } = new(true, "als v2 is now active", "v2");
    public RegistryResult RollbackResult { get; set; } = new(true, "als rolled back to v1", "v1");

    public static TrainingJob Job(TrainingState state, int iteration, int iterations, double? loss = null, string message = "", string? version = null,
        bool promoted = false, Dictionary<string, double>? metrics = null, bool promoteIfBetter = true, string kind = "als") =>
        new("job-1", kind, state, promoteIfBetter, new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero), iteration, iterations, loss, message, version, promoted,
            state == TrainingState.Running ? null : new DateTimeOffset(2026, 11, 23, 18, 0, 42, TimeSpan.Zero), metrics);

    public ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter)
    {
        StartCalls.Add((kind, promoteIfBetter));
        _last = Started with { Kind = kind };
        return ValueTask.FromResult(_last);
    }

    public ValueTask<TrainingJob?> GetJobAsync(string jobId)
    {
        JobCalls.Add(jobId);
        if (Updates.Count > 0) _last = Updates.Dequeue();
        return ValueTask.FromResult(_last);
    }

    public ValueTask<ModelVersionView[]> ListAsync() => ValueTask.FromResult(Versions);

    public ValueTask<RegistryResult> PromoteAsync(string kind, string version)
    {
        PromoteCalls.Add((kind, version));
        return ValueTask.FromResult(PromoteResult);
    }

    public ValueTask<RegistryResult> RollbackAsync(string kind)
    {
        RollbackCalls.Add(kind);
        return ValueTask.FromResult(RollbackResult);
    }

    public ValueTask<string?> GetActiveAsync(string kind) => ValueTask.FromResult(Versions.FirstOrDefault(v => v.Kind == kind && v.Active)?.Version);

    public ValueTask ReportTrainingAsync(TrainingJob job) => throw new NotSupportedException("the console never reports training");

    public ValueTask<int> PruneVersionsAsync(int keep) => throw new NotSupportedException("the console never prunes versions");

    public ValueTask<PropensityEvaluation> EvaluatePropensityAsync(string version, bool promoteIfBetter) =>
        throw new NotSupportedException("model evaluate is tested against the real registry (PropensityEvaluationTests)");
}

/// <summary>An <see cref="IUserStateGrain"/> that only answers <see cref="GetSnapshotAsync"/>.</summary>
internal sealed class FakeUserStateGrain(UserSnapshot snapshot) : IUserStateGrain
{
    public ValueTask<UserSnapshot> GetSnapshotAsync() => ValueTask.FromResult(snapshot);
    public ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease) => throw new NotSupportedException();

    public ValueTask<IngestResult> IngestAsync(string deviceId, Reading[] readings) => throw new NotSupportedException();

    public ValueTask<RejectReason> RecordEventAsync(string deviceId, DeviceEvent deviceEvent) => throw new NotSupportedException();

    public ValueTask AttachDeviceAsync(string deviceId, string kind) => throw new NotSupportedException();

    public ValueTask RevokeDeviceAsync(string deviceId) => throw new NotSupportedException();

    public ValueTask<long> GetLastSeqAsync(string deviceId) => throw new NotSupportedException();

    public ValueTask RecordInteractionAsync(string itemId, InteractionAction action, long timestampUtcTicks, string? eventId = null) => throw new NotSupportedException();

    public ValueTask SetProfileAsync(UserProfile profile) => throw new NotSupportedException();

    public ValueTask<DecisionView?> ScoreAsync() => throw new NotSupportedException();

    public ValueTask<UserFootprint> GetFootprintAsync() => ValueTask.FromResult(new UserFootprint(true, []));

    public ValueTask<bool> ForgetAsync() => throw new NotSupportedException();
}

/// <summary>
/// An <see cref="IRulesGrain"/> that records every call: <see cref="SetAsync"/> applies the change to <see cref="Rules"/> with the
/// rules' own <see cref="RuleSet.TryApply"/> (so cross-key refusals are real), unless <see cref="Refusal"/> scripts a refusal.
/// </summary>
internal sealed class FakeRulesGrain : IRulesGrain
{
    public RuleSet Rules { get; set; } = RuleSet.Defaults;

    /// <summary>When set, <see cref="SetAsync"/> answers this (Ok = false) and changes nothing.</summary>
    public string? Refusal { get; set; }

    public int GetCalls { get; private set; }

    public List<(string Key, RuleScope Scope, string Value)> SetCalls { get; } = [];

    public ValueTask<RuleSet> GetAsync()
    {
        GetCalls++;
        return ValueTask.FromResult(Rules);
    }

    public ValueTask<long> GetVersionAsync() => ValueTask.FromResult(Rules.Version);

    public ValueTask<RuleChangeResult> SetAsync(string key, RuleScope scope, string value)
    {
        SetCalls.Add((key, scope, value));
        if (Refusal is { } refusal) return ValueTask.FromResult(new RuleChangeResult(false, refusal, Rules.Version));
        if (!Rules.TryApply(key, scope, value, new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero), out var next, out var error))
            return ValueTask.FromResult(new RuleChangeResult(false, error, Rules.Version));
        Rules = next;
        return ValueTask.FromResult(new RuleChangeResult(true, "ok", next.Version));
    }
}

/// <summary>An <see cref="IStatsGrain"/> that answers fixed totals.</summary>
internal sealed class FakeStatsGrain(Dictionary<string, long> counters) : IStatsGrain
{
    public ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease) => throw new NotSupportedException();
    public ValueTask<ClusterStats> GetAsync() => ValueTask.FromResult(new ClusterStats(
        new CounterSet(counters), ["silo-0"], new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero), []));

    public ValueTask ReportAsync(string siloId, CounterSet delta, SiloGauges gauges, long[]? lagDelta = null) => throw new NotSupportedException();
}
