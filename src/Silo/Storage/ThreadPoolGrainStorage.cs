using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;
using Orleans.Storage;

namespace Osr.Orleans.Silo.Storage;

/// <summary>
/// Runs a grain storage provider's calls on the thread pool, its writes one at a time. Microsoft.Data.Sqlite executes
/// its "async" methods synchronously, so Orleans' ADO.NET provider on SQLite would otherwise hold an Orleans scheduler
/// thread for the whole checkpoint (about half a millisecond, see docs/decisions.md); the grain still awaits the write
/// and resumes on its own scheduler. The grains are not reentrant, so nothing touches the state while it is written.
/// </summary>
/// <remarks>
/// SQLite has one writer at a time. A write that finds the file locked is not queued by SQLite: Microsoft.Data.Sqlite
/// sleeps on its thread and tries again until the command timeout, so concurrent writers each hold a pool thread
/// asleep, the pool injects more threads, and more writers collide (docs/benchmarks.md, "One grain call per message",
/// the 100k-direct tail: up to 79 of 80 pool threads with writers asleep in that loop at 100k users). The writes
/// therefore wait their turn here, without a thread (<see cref="SqliteWriteGate"/>); reads are not gated (WAL: readers
/// do not wait for the writer).
/// </remarks>
internal sealed class ThreadPoolGrainStorage(IGrainStorage inner, SqliteWriteGate writes) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        writes.RunAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        writes.RunAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>The provider initializes itself in the silo lifecycle; it still does, through this wrapper.</summary>
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    /// <summary>
    /// Wraps the provider registered under <paramref name="name"/> (registered before this call). Every provider wrapped
    /// in one silo shares one <see cref="SqliteWriteGate"/>: they write to the same file.
    /// </summary>
    public static void Decorate(IServiceCollection services, string name)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name))
            ?? throw new InvalidOperationException($"no grain storage '{name}' is registered to wrap");
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"grain storage '{name}' is not registered by a factory");
        services.Remove(registered);
        services.TryAddSingleton<SqliteWriteGate>();
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) =>
            new ThreadPoolGrainStorage((IGrainStorage)create(sp, key), sp.GetRequiredService<SqliteWriteGate>()));
    }
}

/// <summary>
/// Lets one SQLite write run at a time, on the thread pool; the others wait for their turn asynchronously (no thread is
/// held while waiting), in arrival order.
/// </summary>
internal sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _pending;

    /// <summary>Publishes <see cref="Pending"/> as the <c>osr.storage.writes.pending</c> gauge (docs/operations.md "Metrics").</summary>
    public SqliteWriteGate(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(Grains.Metrics.IngestCounters.MeterName) ?? new Meter(Grains.Metrics.IngestCounters.MeterName);
        meter.CreateObservableGauge("osr.storage.writes.pending", () => Pending, description: "grain-state writes to SQLite waiting for their turn or running");
    }

    /// <summary>Writes waiting for their turn or running: a queue that keeps growing means the one writer cannot keep up.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public async Task RunAsync(Func<Task> write)
    {
        Interlocked.Increment(ref _pending);
        try
        {
            await _turn.WaitAsync().ConfigureAwait(false);
            try
            {
                // Off the caller's scheduler even when the turn was free at once (the write itself blocks).
                await Task.Run(write).ConfigureAwait(false);
            }
            finally
            {
                _turn.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }
}
