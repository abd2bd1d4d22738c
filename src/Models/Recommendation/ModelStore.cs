using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>A model directory found by <see cref="ModelStore.List"/>.</summary>
public sealed record StoredModel(string Path, ModelManifest Manifest);

/// <summary>
/// Stores an <see cref="AlsModel"/> as a directory:
/// <list type="bullet">
/// <item><c>factors.bin</c>: X and Y (<see cref="FactorFile"/>, checksummed);</item>
/// <item><c>items.tsv</c>: header <c>item_id	category	popularity</c>, one line per item index;</item>
/// <item><c>users.tsv</c>: header <c>user_id</c>, one line per user index;</item>
/// <item><c>segments.tsv</c>: header <c>segment	items</c>, item indices by popularity, comma-separated;</item>
/// <item><c>manifest.json</c>: <see cref="ModelManifest"/>, written last.</item>
/// </list>
/// Saving writes into a hidden sibling temp directory (<c>.{name}.tmp-{guid}</c>) and renames it
/// into place, so a model directory is either complete or absent; <see cref="List"/> ignores
/// hidden and manifest-less directories. Loading validates everything and throws
/// <see cref="InvalidDataException"/> naming the file and the problem. Ids and categories must
/// not contain tabs or line breaks.
/// </summary>
public static class ModelStore
{
    public const string FactorsFileName = "factors.bin";
    public const string ItemsFileName = "items.tsv";
    public const string UsersFileName = "users.tsv";
    public const string SegmentsFileName = "segments.tsv";
    public const string ManifestFileName = "manifest.json";

    private const string ItemsHeader = "item_id\tcategory\tpopularity";
    private const string UsersHeader = "user_id";
    private const string SegmentsHeader = "segment\titems";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Informational version of this assembly (the code that trained a model).</summary>
    public static string CodeVersion { get; } =
        typeof(ModelStore).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>A sortable version name from a UTC time, e.g. <c>20250102T030405Z</c>.</summary>
    public static string NewVersion(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="model"/> to the new directory <paramref name="path"/> atomically; fails if it exists.</summary>
    public static void Save(string path, AlsModel model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(model);
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException("A model cannot be the file system root.", nameof(path));
        var name = Path.GetFileName(full);
        if (Directory.Exists(full) || File.Exists(full))
        {
            throw new IOException($"{full}: a model directory of that name already exists.");
        }

        ValidateText(model);
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            FactorFile.Write(Path.Combine(temp, FactorsFileName), model.Factors);
            WriteText(Path.Combine(temp, ItemsFileName), writer =>
            {
                writer.Write(ItemsHeader);
                writer.Write('\n');
                for (var i = 0; i < model.Items.Count; i++)
                {
                    writer.Write(model.Items[i]);
                    writer.Write('\t');
                    writer.Write(model.ItemCategories[i]);
                    writer.Write('\t');
                    writer.Write(model.ItemPopularity[i].ToString(CultureInfo.InvariantCulture));
                    writer.Write('\n');
                }
            });
            WriteText(Path.Combine(temp, UsersFileName), writer =>
            {
                writer.Write(UsersHeader);
                writer.Write('\n');
                foreach (var id in model.Users.Ids)
                {
                    writer.Write(id);
                    writer.Write('\n');
                }
            });
            WriteText(Path.Combine(temp, SegmentsFileName), writer =>
            {
                writer.Write(SegmentsHeader);
                writer.Write('\n');
                foreach (var (segment, items) in model.SegmentPopularity.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    writer.Write(segment);
                    writer.Write('\t');
                    writer.Write(string.Join(',', items.Select(i => i.ToString(CultureInfo.InvariantCulture))));
                    writer.Write('\n');
                }
            });
            WriteText(Path.Combine(temp, ManifestFileName), writer => writer.Write(JsonSerializer.Serialize(model.Manifest, Json)));
            Directory.Move(temp, full);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Reads and validates the model in <paramref name="path"/>.</summary>
    public static AlsModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"{path}: no such model directory.");
        }

        var manifest = ReadManifest(path);
        var factors = FactorFile.Read(Path.Combine(path, FactorsFileName));
        if (manifest.Counts.Users != factors.Users || manifest.Counts.Items != factors.Items || manifest.HyperParameters.Rank != factors.Rank)
        {
            throw new InvalidDataException(
                $"{path}: manifest ({manifest.Counts.Users} users, {manifest.Counts.Items} items, rank {manifest.HyperParameters.Rank}) " +
                $"does not match {FactorsFileName} ({factors.Users}, {factors.Items}, rank {factors.Rank}).");
        }

        var itemsPath = Path.Combine(path, ItemsFileName);
        var itemLines = ReadLines(itemsPath, ItemsHeader, factors.Items);
        var itemIds = new string[factors.Items];
        var categories = new string[factors.Items];
        var popularity = new int[factors.Items];
        for (var i = 0; i < itemLines.Count; i++)
        {
            var fields = itemLines[i].Split('\t');
            if (fields.Length != 3 || fields[0].Length == 0
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out popularity[i]))
            {
                throw new InvalidDataException($"{itemsPath}: line {i + 2} is not 'item_id<TAB>category<TAB>popularity'.");
            }

            itemIds[i] = fields[0];
            categories[i] = fields[1];
        }

        var usersPath = Path.Combine(path, UsersFileName);
        var userIds = ReadLines(usersPath, UsersHeader, factors.Users);
        for (var u = 0; u < userIds.Count; u++)
        {
            if (userIds[u].Length == 0 || userIds[u].Contains('\t', StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{usersPath}: line {u + 2} is not a user id.");
            }
        }

        var segments = ReadSegments(Path.Combine(path, SegmentsFileName), factors.Items);
        return new AlsModel(manifest, factors, ToIdMap(userIds, usersPath), ToIdMap(itemIds, itemsPath), categories, popularity, segments);
    }

    /// <summary>Reads and validates manifest.json of the model in <paramref name="path"/>.</summary>
    public static ModelManifest ReadManifest(string path)
    {
        var file = Path.Combine(path, ManifestFileName);
        if (!File.Exists(file))
        {
            throw new InvalidDataException($"{file}: manifest is missing.");
        }

        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(file, Encoding.UTF8), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: invalid manifest: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{file}: manifest is empty.");
        }

        if (manifest.FormatVersion != ManifestFormatVersion)
        {
            throw new InvalidDataException($"{file}: unsupported model format version {manifest.FormatVersion} (this code reads {ManifestFormatVersion}).");
        }

        if (manifest.Kind != ModelManifest.AlsKind)
        {
            throw new InvalidDataException($"{file}: kind '{manifest.Kind}' is not '{ModelManifest.AlsKind}'.");
        }

        if (string.IsNullOrWhiteSpace(manifest.Version))
        {
            throw new InvalidDataException($"{file}: version is empty.");
        }

        return manifest;
    }

    /// <summary>
    /// Complete models directly under <paramref name="root"/> (directories with a readable
    /// manifest, hidden/temporary ones skipped), oldest first (createdAt, then version). A
    /// directory whose manifest is unreadable is skipped.
    /// </summary>
    public static IReadOnlyList<StoredModel> List(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var models = new List<StoredModel>();
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            if (Path.GetFileName(directory).StartsWith('.') || !File.Exists(Path.Combine(directory, ManifestFileName)))
            {
                continue;
            }

            try
            {
                models.Add(new StoredModel(directory, ReadManifest(directory)));
            }
            catch (InvalidDataException)
            {
                // Not a model this code can read; Load reports why.
            }
        }

        return [.. models.OrderBy(m => m.Manifest.CreatedAt).ThenBy(m => m.Manifest.Version, StringComparer.Ordinal)];
    }

    private const int ManifestFormatVersion = ModelManifest.CurrentFormatVersion;

    private static void ValidateText(AlsModel model)
    {
        static void Check(string value, string what)
        {
            if (value.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
            {
                throw new ArgumentException($"{what} '{value}' contains a tab or line break and cannot be stored.");
            }
        }

        foreach (var id in model.Items.Ids)
        {
            Check(id, "Item id");
        }

        foreach (var id in model.Users.Ids)
        {
            Check(id, "User id");
        }

        foreach (var category in model.ItemCategories)
        {
            Check(category, "Category");
        }

        foreach (var (segment, items) in model.SegmentPopularity)
        {
            Check(segment, "Segment");
            if (items.Any(i => (uint)i >= (uint)model.Items.Count))
            {
                throw new ArgumentException($"Segment '{segment}' ranks an item index outside [0, {model.Items.Count}).");
            }
        }
    }

    private static void WriteText(string path, Action<StreamWriter> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true))
        {
            write(writer);
        }

        stream.Flush(flushToDisk: true);
    }

    private static List<string> ReadLines(string path, string header, int expected)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: file is missing.");
        }

        var lines = new List<string>(expected);
        using var reader = new StreamReader(path, Encoding.UTF8);
        if (reader.ReadLine() != header)
        {
            throw new InvalidDataException($"{path}: first line must be the header '{header.Replace("\t", "<TAB>", StringComparison.Ordinal)}'.");
        }

        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        if (lines.Count != expected)
        {
            throw new InvalidDataException($"{path}: {lines.Count} lines after the header, expected {expected} (one per factor row).");
        }

        return lines;
    }

    private static Dictionary<string, int[]> ReadSegments(string path, int items)
    {
        var segments = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: file is missing.");
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        if (reader.ReadLine() != SegmentsHeader)
        {
            throw new InvalidDataException($"{path}: first line must be the header 'segment<TAB>items'.");
        }

        var number = 1;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var fields = line.Split('\t');
            if (fields.Length != 2)
            {
                throw new InvalidDataException($"{path}: line {number} is not 'segment<TAB>items'.");
            }

            var ranked = fields[1].Length == 0 ? [] : fields[1].Split(',');
            var indices = new int[ranked.Length];
            for (var n = 0; n < ranked.Length; n++)
            {
                if (!int.TryParse(ranked[n], NumberStyles.None, CultureInfo.InvariantCulture, out indices[n]) || indices[n] >= items)
                {
                    throw new InvalidDataException($"{path}: line {number}: '{ranked[n]}' is not an item index in [0, {items}).");
                }
            }

            if (!segments.TryAdd(fields[0], indices))
            {
                throw new InvalidDataException($"{path}: line {number}: segment '{fields[0]}' appears twice.");
            }
        }

        return segments;
    }

    private static IdMap ToIdMap(IEnumerable<string> ids, string path)
    {
        try
        {
            return new IdMap(ids);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
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
