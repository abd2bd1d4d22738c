using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace Osr.Orleans.Silo.Storage;

/// <summary>
/// Runs a grain storage provider's calls on the thread pool. Microsoft.Data.Sqlite executes its
/// "async" methods synchronously, so Orleans' ADO.NET provider on SQLite would otherwise hold an
/// Orleans scheduler thread for the whole checkpoint (about half a millisecond, see
/// docs/decisions.md); the grain still awaits the write and resumes on its own scheduler. The
/// grains are not reentrant, so nothing touches the state while it is written.
/// </summary>
internal sealed class ThreadPoolGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Task.Run(() => inner.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>The provider initializes itself in the silo lifecycle; it still does, through this wrapper.</summary>
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    /// <summary>Wraps the provider registered under <paramref name="name"/> (registered before this call).</summary>
    public static void Decorate(IServiceCollection services, string name)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name))
            ?? throw new InvalidOperationException($"no grain storage '{name}' is registered to wrap");
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"grain storage '{name}' is not registered by a factory");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new ThreadPoolGrainStorage((IGrainStorage)create(sp, key)));
    }
}
