using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// The model store on disk (<c>Osr:Models:Path</c>): one directory per version
/// (<see cref="ModelStore"/>), plus <c>active-{kind}.json</c> with the active version and the
/// versions active before it (for roll-back). Keeping the registry's truth on disk makes it
/// survive a restart of an embedded silo whose grain storage is in memory. All file work runs
/// on the thread pool, never on a grain thread. Loaded models are shared per silo.
/// </summary>
public sealed class ModelRepository(IOptions<ModelsOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LoadedModel>>> _loaded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<PropensityModel>>> _propensity = new(StringComparer.Ordinal);

    public string Root { get; } = Path.GetFullPath(options.Value.Path);

    public string PathOf(string version) => Path.Combine(Root, version);

    public Task<IReadOnlyList<StoredModel>> ListAsync() => Task.Run(() =>
    {
        Directory.CreateDirectory(Root);
        return ModelStore.List(Root);
    });

    public Task SaveAsync(AlsModel model) => Task.Run(() =>
    {
        Directory.CreateDirectory(Root);
        ModelStore.Save(PathOf(model.Manifest.Version), model);
    });

    public Task<ActivePointer> ReadActiveAsync(string kind) => Task.Run(() =>
    {
        var file = ActiveFile(kind);
        if (!File.Exists(file)) return ActivePointer.None;
        return JsonSerializer.Deserialize<ActivePointer>(File.ReadAllText(file)) ?? ActivePointer.None;
    });

    /// <summary>Replaces the pointer atomically (write a temp file, then rename over).</summary>
    public Task WriteActiveAsync(string kind, ActivePointer pointer) => Task.Run(() =>
    {
        Directory.CreateDirectory(Root);
        var file = ActiveFile(kind);
        var temp = file + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, JsonSerializer.Serialize(pointer));
        File.Move(temp, file, overwrite: true);
    });

    /// <summary>The model of <paramref name="version"/>, loaded once per silo and shared.</summary>
    public Task<LoadedModel> LoadAsync(string version)
    {
        var lazy = _loaded.GetOrAdd(version, v => new Lazy<Task<LoadedModel>>(() => Task.Run(() => LoadedModel.From(ModelStore.Load(PathOf(v))))));
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

    public Task SavePropensityAsync(PropensityModel model) => Task.Run(() =>
    {
        Directory.CreateDirectory(PropensityRoot);
        PropensityStore.Save(Path.Combine(PropensityRoot, model.Version), model);
    });

    /// <summary>Every readable propensity model's manifest (unreadable directories are skipped).</summary>
    public Task<IReadOnlyList<PropensityManifest>> ListPropensityAsync() => Task.Run<IReadOnlyList<PropensityManifest>>(() =>
    {
        if (!Directory.Exists(PropensityRoot)) return [];
        var result = new List<PropensityManifest>();
        foreach (var directory in Directory.EnumerateDirectories(PropensityRoot))
        {
            if (Path.GetFileName(directory).StartsWith('.') || !PropensityStore.IsPropensity(directory)) continue;
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
        var lazy = _propensity.GetOrAdd(version, v => new Lazy<Task<PropensityModel>>(() => Task.Run(() => PropensityStore.Load(Path.Combine(PropensityRoot, v)))));
        var task = lazy.Value;
        if (task.IsFaulted) _propensity.TryRemove(new KeyValuePair<string, Lazy<Task<PropensityModel>>>(version, lazy));
        return task;
    }
}

/// <summary>The active version of a kind and the versions active before it, newest last.</summary>
public sealed record ActivePointer(string? Active, string[] History)
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
