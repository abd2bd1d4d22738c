using System.Text.Json;

namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// Stores a <see cref="PropensityModel"/> as a directory:
/// <list type="bullet">
/// <item><c>model.zip</c>: the trained ML.NET model (provenance; present when the model was trained
/// in this process or loaded with one — serving never reads it);</item>
/// <item><c>manifest.json</c>: <see cref="PropensityManifest"/> (camelCase, <c>kind</c> = <c>propensity</c>)
/// with everything needed to serve, written last.</item>
/// </list>
/// Saving writes into a hidden sibling temp directory (<c>.{name}.tmp-{guid}</c>) and renames it into
/// place, so a model directory is either complete or absent (as <c>ModelStore</c> does for ALS).
/// Loading validates the manifest and throws <see cref="InvalidDataException"/> naming the file and
/// the problem.
/// </summary>
public static class PropensityStore
{
    public const string ManifestFileName = "manifest.json";
    public const string ModelFileName = "model.zip";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Writes <paramref name="model"/> to the new directory <paramref name="directory"/> atomically; fails if it exists.</summary>
    public static void Save(string directory, PropensityModel model) => Save(directory, model, beforeCommit: null);

    /// <summary>Save with a hook run on the complete temp directory just before the rename (tests inject failures here).</summary>
    internal static void Save(string directory, PropensityModel model, Action<string>? beforeCommit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(model);
        var full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException("A model cannot be the file system root.", nameof(directory));
        var name = Path.GetFileName(full);
        if (Directory.Exists(full) || File.Exists(full))
        {
            throw new IOException($"{full}: a model directory of that name already exists.");
        }

        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            if (model.MlNetModel is { } zip)
            {
                Write(Path.Combine(temp, ModelFileName), zip);
            }

            Write(Path.Combine(temp, ManifestFileName), JsonSerializer.SerializeToUtf8Bytes(model.Manifest, Json));
            beforeCommit?.Invoke(temp);
            Directory.Move(temp, full);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Reads and validates the model in <paramref name="directory"/> (from manifest.json alone; model.zip is kept as provenance if present).</summary>
    public static PropensityModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{directory}: no such model directory.");
        }

        var file = Path.Combine(directory, ManifestFileName);
        var manifest = ReadManifest(file);
        var zipPath = Path.Combine(directory, ModelFileName);
        var zip = File.Exists(zipPath) ? File.ReadAllBytes(zipPath) : null;
        try
        {
            return PropensityModel.Create(manifest, zip);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }
    }

    /// <summary>True when <paramref name="directory"/> holds a manifest.json whose kind is <c>propensity</c> (it may still fail to load).</summary>
    public static bool IsPropensity(string directory)
    {
        var file = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(file))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("kind", out var kind)
                && kind.ValueKind == JsonValueKind.String
                && kind.GetString() == PropensityManifest.PropensityKind;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static PropensityManifest ReadManifest(string file)
    {
        if (!File.Exists(file))
        {
            throw new InvalidDataException($"{file}: manifest is missing.");
        }

        PropensityManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PropensityManifest>(File.ReadAllBytes(file), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: invalid manifest: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{file}: manifest is empty.");
        }

        if (manifest.FormatVersion != PropensityManifest.CurrentFormatVersion)
        {
            throw new InvalidDataException(
                $"{file}: unsupported propensity format version {manifest.FormatVersion} (this code reads {PropensityManifest.CurrentFormatVersion}).");
        }

        return manifest;
    }

    private static void Write(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
