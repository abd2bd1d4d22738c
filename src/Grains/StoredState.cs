// Design: a grain's persistent state without the [PersistentState] facet (docs/benchmarks.md "Live heap per user: the
// state without its facet").
//
// * The facet gives each activation a lifecycle with the facet's observer in it, a bridge object and a GrainState holder,
//   and the grain that owns a user's live state is held once per active user. This holder is the GrainState itself: the
//   grain reads it in OnActivateAsync, before any call, through the same storage provider under the same state name,
//   so what is stored and how (ETag, RecordExists, InconsistentStateException on a stale write) does not change.
// * The provider and the name are the silo's (StateStore, one per state name); the holder keeps one reference to them.
using System.Diagnostics.CodeAnalysis;
using Orleans.Storage;

namespace Osr.Orleans.Grains;

/// <summary>A grain storage provider and the state name a grain's state is stored under (one per silo and name).</summary>
/// <param name="Storage">The provider.</param>
/// <param name="Name">The state name (what <c>[PersistentState(name)]</c> would have stored it under).</param>
public sealed record StateStore(IGrainStorage Storage, string Name);

/// <summary>
/// A grain's one persistent state: read with <see cref="ReadAsync"/> when the grain activates, written and cleared through
/// <see cref="StateStore"/> like <c>IPersistentState&lt;T&gt;</c>. Not thread-safe (a grain's turns are).
/// </summary>
public sealed class StoredState<T>(StateStore store) : IGrainState<T> where T : class, new()
{
    /// <inheritdoc/>
    [AllowNull]
    public T State { get => _state; set => _state = value ?? new T(); }

    private T _state = new();

    /// <inheritdoc/>
    public string? ETag { get; set; }

    /// <inheritdoc/>
    public bool RecordExists { get; set; }

    /// <summary>Reads the stored state of <paramref name="grainId"/> (a new <typeparamref name="T"/> when none is stored: a null state is never kept).</summary>
    public Task ReadAsync(GrainId grainId) => store.Storage.ReadStateAsync(store.Name, grainId, this);

    /// <summary>Writes the state of <paramref name="grainId"/>; a write since this one's read is refused (<see cref="InconsistentStateException"/>).</summary>
    public Task WriteAsync(GrainId grainId) => store.Storage.WriteStateAsync(store.Name, grainId, this);

    /// <summary>Clears the stored state of <paramref name="grainId"/>; the state in memory is a new <typeparamref name="T"/> after it.</summary>
    public async Task ClearAsync(GrainId grainId)
    {
        await store.Storage.ClearStateAsync(store.Name, grainId, this);
        State = new T();
    }
}
