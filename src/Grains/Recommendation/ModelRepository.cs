using Osr.Orleans.Models.Audit;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// The model store on disk (<c>Osr:Models:Path</c>): one directory per version
/// (<see cref="ModelStore"/>), plus <c>active-{kind}.json</c> with the active version and the
/// versions active before it (for roll-back). Keeping the registry's truth on disk makes it
/// survive a restart of an embedded silo whose grain storage is in memory. All file work runs
/// on the thread pool, never on a grain thread. Loaded models are shared per silo.
/// <para>In cluster mode the version files are also kept in a shared <see cref="IModelFileStore"/>
/// (PostgreSQL): a new version is stored there as soon as it is saved here, and a version this
/// silo lacks (trained on another silo) is copied from there into its local directory before it
/// is listed or loaded, so every silo can load every version. The active pointers then live in
/// the shared store too, so the registry grain finds them on whichever silo it is activated.</para>
/// </summary>
public sealed class ModelRepository(IOptions<ModelsOptions> options, IModelFileStore? files = null)
{
    private const string AlsKind = "als";
    private const string PropensityKind = "propensity";

    private readonly IModelFileStore? _shared = files is { IsLocal: false } ? files : null;

    private readonly ConcurrentDictionary<string, Lazy<Task<LoadedModel>>> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<PropensityModel>>> _propensity = new(StringComparer.Ordinal);

    public string Root { get; } = Path.GetFullPath(options.Value.Path);

    public string PathOf(string version) => Path.Combine(Root, version);

    public async Task<IReadOnlyList<StoredModel>> ListAsync()
    {
        var shared = await FetchMissingAsync(AlsKind, Root).ConfigureAwait(false);
        return await Task.Run<IReadOnlyList<StoredModel>>(() =>
        {
            Directory.CreateDirectory(Root);
            var local = ModelStore.List(Root);
            return shared is null ? local : [.. local.Where(m => Shared(shared, m.Manifest.Version, m.Path))];
        }).ConfigureAwait(false);
    }

    public async Task SaveAsync(AlsModel model)
    {
        var path = PathOf(model.Manifest.Version);
        await Task.Run(() =>
        {
            Directory.CreateDirectory(Root);
            ModelStore.Save(path, model);
        }).ConfigureAwait(false);
        await ShareAsync(AlsKind, model.Manifest.Version, path).ConfigureAwait(false);
    }

    public async Task<ActivePointer> ReadActiveAsync(string kind)
    {
        if (_shared is not null)
        {
            var bytes = await _shared.ReadPointerAsync(kind).ConfigureAwait(false);
            return bytes is null ? ActivePointer.None : JsonSerializer.Deserialize<ActivePointer>(bytes) ?? ActivePointer.None;
        }
        return await Task.Run(() =>
        {
            var file = ActiveFile(kind);
            if (!File.Exists(file)) return ActivePointer.None;
            return JsonSerializer.Deserialize<ActivePointer>(File.ReadAllText(file)) ?? ActivePointer.None;
        }).ConfigureAwait(false);
    }

    /// <summary>Replaces the pointer atomically (write a temp file, then rename over; in cluster mode one row of the shared store).</summary>
    public async Task WriteActiveAsync(string kind, ActivePointer pointer)
    {
        if (_shared is not null)
        {
            await _shared.WritePointerAsync(kind, JsonSerializer.SerializeToUtf8Bytes(pointer)).ConfigureAwait(false);
            return;
        }
        await Task.Run(() =>
        {
            Directory.CreateDirectory(Root);
            var file = ActiveFile(kind);
            var temp = file + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllText(temp, JsonSerializer.Serialize(pointer));
            File.Move(temp, file, overwrite: true);
        }).ConfigureAwait(false);
    }

    /// <summary>The model of <paramref name="version"/>, loaded once per silo and shared.</summary>
    public Task<LoadedModel> LoadAsync(string version)
    {
        var lazy = _loaded.GetOrAdd(version, v => new Lazy<Task<LoadedModel>>(async () =>
        {
            await FetchAsync(AlsKind, v, PathOf(v)).ConfigureAwait(false);
            return await Task.Run(() => LoadedModel.From(ModelStore.Load(PathOf(v)))).ConfigureAwait(false);
        }));
        var task = lazy.Value;
        if (task.IsFaulted) _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<LoadedModel>>>(version, lazy));
        return task;
    }

    /// <summary>Drops loaded versions other than <paramref name="keep"/> (after a promotion).</summary>
    public void Evict(IReadOnlySet<string> keep)
    {
        foreach (var version in _loaded.Keys)
            if (!keep.Contains(version)) _loaded.TryRemove(version, out _);
    }

    private string ActiveFile(string kind) => Path.Combine(Root, $"active-{kind}.json");

    /// <summary>Propensity models live in their own folder, <c>{root}/propensity/{version}</c>.</summary>
    public string PropensityRoot => Path.Combine(Root, "propensity");

    public async Task SavePropensityAsync(PropensityModel model)
    {
        var path = Path.Combine(PropensityRoot, model.Version);
        await Task.Run(() =>
        {
            Directory.CreateDirectory(PropensityRoot);
            PropensityStore.Save(path, model);
        }).ConfigureAwait(false);
        await ShareAsync(PropensityKind, model.Version, path).ConfigureAwait(false);
    }

    /// <summary>Every readable propensity model's manifest (unreadable directories are skipped).</summary>
    public async Task<IReadOnlyList<PropensityManifest>> ListPropensityAsync()
    {
        var shared = await FetchMissingAsync(PropensityKind, PropensityRoot).ConfigureAwait(false);
        return await ListLocalPropensityAsync(shared).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes <paramref name="version"/> of <paramref name="kind"/>: from the shared store first (cluster mode), then
    /// this silo's directory (renamed hidden, then removed, so it is never listed half deleted). False when neither had it.
    /// </summary>
    public async Task<bool> DeleteAsync(string kind, string version)
    {
        var shared = _shared is not null && await _shared.DeleteAsync(kind, version).ConfigureAwait(false);
        var path = kind == PropensityKind ? Path.Combine(PropensityRoot, version) : PathOf(version);
        var local = await Task.Run(() => DeleteDirectory(path)).ConfigureAwait(false);
        if (kind == PropensityKind) _propensity.TryRemove(version, out _);
        else _loaded.TryRemove(version, out _);
        return shared || local;
    }

    private static bool DeleteDirectory(string path)
    {
        if (!Directory.Exists(path)) return false;
        var doomed = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.delete-{Guid.NewGuid():N}");
        try
        {
            Directory.Move(path, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return false; // deleted meanwhile
        }
        Directory.Delete(doomed, recursive: true);
        return true;
    }

    /// <summary>
    /// In cluster mode the shared store is the truth and this silo's directories a cache: a local version the store no
    /// longer has was deleted by the retention job (on whichever silo ran it). It is not listed, and its directory is
    /// removed once it is an hour old (younger ones may be a version being saved right now, shared a moment later).
    /// </summary>
    private static bool Shared(HashSet<string> shared, string version, string path)
    {
        if (shared.Contains(version)) return true;
        if (Directory.Exists(path) && Directory.GetCreationTimeUtc(path) < DateTime.UtcNow.AddHours(-1)) DeleteDirectory(path);
        return false;
    }

    private Task<IReadOnlyList<PropensityManifest>> ListLocalPropensityAsync(HashSet<string>? shared) => Task.Run<IReadOnlyList<PropensityManifest>>(() =>
    {
        if (!Directory.Exists(PropensityRoot)) return [];
        var result = new List<PropensityManifest>();
        foreach (var directory in Directory.EnumerateDirectories(PropensityRoot))
        {
            if (Path.GetFileName(directory).StartsWith('.') || !PropensityStore.IsPropensity(directory)) continue;
            if (shared is not null && !Shared(shared, Path.GetFileName(directory), directory)) continue;
            try
            {
                result.Add(PropensityStore.Load(directory).Manifest);
            }
            catch (InvalidDataException)
            {
                // not loadable: skipped here, LoadPropensityAsync reports why
            }
        }
        return result;
    });

    /// <summary>The propensity model of <paramref name="version"/> (or the neutral prior), loaded once per silo.</summary>
    public Task<PropensityModel> LoadPropensityAsync(string version)
    {
        if (version == PropensityModel.PriorVersion) return Task.FromResult(PropensityModel.Prior);
        var lazy = _propensity.GetOrAdd(version, v => new Lazy<Task<PropensityModel>>(async () =>
        {
            var path = Path.Combine(PropensityRoot, v);
            await FetchAsync(PropensityKind, v, path).ConfigureAwait(false);
            return await Task.Run(() => PropensityStore.Load(path)).ConfigureAwait(false);
        }));
        var task = lazy.Value;
        if (task.IsFaulted) _propensity.TryRemove(new KeyValuePair<string, Lazy<Task<PropensityModel>>>(version, lazy));
        return task;
    }

    /// <summary>Stores the files of a version just saved locally in the shared store (cluster mode).</summary>
    private async Task ShareAsync(string kind, string version, string path)
    {
        if (_shared is null) return;
        var files = await Task.Run(() => (IReadOnlyDictionary<string, byte[]>)Directory.EnumerateFiles(path)
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal))
            .ConfigureAwait(false);
        await _shared.SaveAsync(kind, version, files).ConfigureAwait(false);
    }

    /// <summary>Copies every shared version this silo lacks into <paramref name="root"/>; the shared versions (null outside cluster mode).</summary>
    private async Task<HashSet<string>?> FetchMissingAsync(string kind, string root)
    {
        if (_shared is null) return null;
        var versions = await _shared.ListVersionsAsync(kind).ConfigureAwait(false);
        foreach (var version in versions)
            await FetchAsync(kind, version, Path.Combine(root, version)).ConfigureAwait(false);
        return new HashSet<string>(versions, StringComparer.Ordinal);
    }

    /// <summary>
    /// Copies one shared version into <paramref name="path"/> when it is not there yet (cluster mode):
    /// written to a hidden directory and renamed into place, so a half-copied version is never listed.
    /// </summary>
    private async Task FetchAsync(string kind, string version, string path)
    {
        if (_shared is null || Directory.Exists(path)) return;
        var files = await _shared.ReadAsync(kind, version).ConfigureAwait(false);
        if (files is null) return;
        await Task.Run(() =>
        {
            var parent = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(parent);
            var temp = Path.Combine(parent, $".{version}.fetch-{Guid.NewGuid():N}");
            Directory.CreateDirectory(temp);
            foreach (var (name, content) in files) File.WriteAllBytes(Path.Combine(temp, Path.GetFileName(name)), content);
            try
            {
                Directory.Move(temp, path);
            }
            catch (IOException) when (Directory.Exists(path))
            {
                Directory.Delete(temp, recursive: true);
            }
        }).ConfigureAwait(false);
    }
}

/// <summary>
/// The active version of a kind and the versions active before it, newest last; <see cref="PendingAudit"/> holds the audit
/// entries of admin changes stored with the pointer until the audit log has them (<see cref="Admin.AuditOutbox"/>).
/// </summary>
public sealed record ActivePointer(string? Active, string[] History, List<AuditEntry>? PendingAudit = null)
{
    public static ActivePointer None { get; } = new(null, []);
}

/// <summary>A loaded model with what serving it needs precomputed: the fold-in Gram matrix.</summary>
public sealed class LoadedModel
{
    private LoadedModel(AlsModel model, FoldIn foldIn)
    {
        Model = model;
        FoldIn = foldIn;
        Popularity = PopularityRanking.FromCounts(model.ItemPopularity);
    }

    public AlsModel Model { get; }
    public FoldIn FoldIn { get; }
    public PopularityRanking Popularity { get; }

    public static LoadedModel From(AlsModel model) =>
        new(model, new FoldIn(model.Factors, model.Manifest.HyperParameters.Lambda, model.Manifest.HyperParameters.Alpha));
}
