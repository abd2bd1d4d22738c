namespace Osr.Orleans.Grains.Storage;

/// <summary>
/// The files of each model version (ALS factors, propensity weights, manifests) as named blobs,
/// so that every silo can load every version: on PostgreSQL the bytes live in the database; on
/// the embedded SQLite mode they stay in one directory per version under <c>Osr:Models:Path</c>.
/// A version is stored whole or not at all and is never changed afterwards (a second save of the
/// same version is a no-op). Beside the versions, one small mutable pointer per kind says which
/// version is active. No method blocks the calling thread.
/// </summary>
public interface IModelFileStore
{
    /// <summary>
    /// True when the files are this silo's own disk (the embedded mode), where the model registry
    /// keeps its version directories itself; false when they are shared by the cluster (PostgreSQL):
    /// the registry then stores each new version here and copies a version it lacks from here into
    /// its local directory before loading it.
    /// </summary>
    bool IsLocal { get; }

    /// <summary>Stores the files of <paramref name="version"/> of <paramref name="kind"/> (e.g. <c>als</c>, <c>propensity</c>).</summary>
    Task SaveAsync(string kind, string version, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellationToken = default);

    /// <summary>The files of one version by name, or null when that version was never stored.</summary>
    Task<IReadOnlyDictionary<string, byte[]>?> ReadAsync(string kind, string version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes <paramref name="version"/> of <paramref name="kind"/> as a whole (the retention job; a version is never
    /// half deleted: it is listed or it is not). False when it was not stored.
    /// </summary>
    Task<bool> DeleteAsync(string kind, string version, CancellationToken cancellationToken = default);

    /// <summary>The stored versions of <paramref name="kind"/>, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListVersionsAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>The registry's pointer of <paramref name="kind"/> (which version is active; opaque bytes), or null when never written.</summary>
    Task<byte[]?> ReadPointerAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>Replaces the pointer of <paramref name="kind"/> as a whole (last writer wins; the registry is one grain).</summary>
    Task WritePointerAsync(string kind, byte[] pointer, CancellationToken cancellationToken = default);
}
