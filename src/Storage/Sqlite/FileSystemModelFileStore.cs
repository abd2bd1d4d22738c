using Osr.Orleans.Grains.Storage;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary>
/// <see cref="IModelFileStore"/> of the embedded mode: plain directories on local disk,
/// <c>{root}/{kind}/{version}/{file}</c> (one silo, so one disk serves every version), pointers
/// in <c>{root}/active-{kind}.json</c>. A version
/// is written to a hidden temporary directory and renamed into place, so a listed version is
/// complete. File work runs on the thread pool.
/// </summary>
public sealed class FileSystemModelFileStore(string root) : IModelFileStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public bool IsLocal => true;

    public Task SaveAsync(string kind, string version, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var target = Directory(kind, version);
        foreach (var name in files.Keys) CheckName(name, "file name");
        return Task.Run(() =>
        {
            if (System.IO.Directory.Exists(target)) return;
            var parent = Path.GetDirectoryName(target)!;
            System.IO.Directory.CreateDirectory(parent);
            var temp = Path.Combine(parent, $".{version}.tmp-{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(temp);
            try
            {
                foreach (var (name, content) in files)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var stream = new FileStream(Path.Combine(temp, name), FileMode.CreateNew, FileAccess.Write);
                    stream.Write(content);
                    stream.Flush(flushToDisk: true);
                }
                System.IO.Directory.Move(temp, target);
            }
            catch (IOException) when (System.IO.Directory.Exists(target))
            {
                // Another writer stored the same version first: versions never change, keep theirs.
                System.IO.Directory.Delete(temp, recursive: true);
            }
            catch
            {
                System.IO.Directory.Delete(temp, recursive: true);
                throw;
            }
        }, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, byte[]>?> ReadAsync(string kind, string version, CancellationToken cancellationToken = default)
    {
        var directory = Directory(kind, version);
        return Task.Run<IReadOnlyDictionary<string, byte[]>?>(() =>
        {
            if (!System.IO.Directory.Exists(directory)) return null;
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var file in System.IO.Directory.EnumerateFiles(directory))
                files[Path.GetFileName(file)] = File.ReadAllBytes(file);
            return files;
        }, cancellationToken);
    }

    /// <summary>Renamed to a hidden directory first (so it is no longer listed), then removed.</summary>
    public Task<bool> DeleteAsync(string kind, string version, CancellationToken cancellationToken = default)
    {
        var directory = Directory(kind, version);
        return Task.Run(() =>
        {
            if (!System.IO.Directory.Exists(directory)) return false;
            var doomed = Path.Combine(Path.GetDirectoryName(directory)!, $".{version}.delete-{Guid.NewGuid():N}");
            System.IO.Directory.Move(directory, doomed);
            System.IO.Directory.Delete(doomed, recursive: true);
            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListVersionsAsync(string kind, CancellationToken cancellationToken = default)
    {
        CheckName(kind, "kind");
        var directory = Path.Combine(Root, kind);
        return Task.Run<IReadOnlyList<string>>(() => System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateDirectories(directory).Select(Path.GetFileName).OfType<string>()
                .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
            : [], cancellationToken);
    }

    /// <summary>The pointer is the file <c>{root}/active-{kind}.json</c>, as the model registry keeps it on disk.</summary>
    public Task<byte[]?> ReadPointerAsync(string kind, CancellationToken cancellationToken = default)
    {
        CheckName(kind, "kind");
        var file = Path.Combine(Root, $"active-{kind}.json");
        return Task.Run(() => File.Exists(file) ? File.ReadAllBytes(file) : null, cancellationToken);
    }

    /// <summary>Written to a temporary file and renamed over the old one.</summary>
    public Task WritePointerAsync(string kind, byte[] pointer, CancellationToken cancellationToken = default)
    {
        CheckName(kind, "kind");
        ArgumentNullException.ThrowIfNull(pointer);
        var file = Path.Combine(Root, $"active-{kind}.json");
        return Task.Run(() =>
        {
            System.IO.Directory.CreateDirectory(Root);
            var temp = file + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temp, pointer);
            File.Move(temp, file, overwrite: true);
        }, cancellationToken);
    }

    private string Directory(string kind, string version)
    {
        CheckName(kind, "kind");
        CheckName(version, "version");
        return Path.Combine(Root, kind, version);
    }

    /// <summary>A name is one path segment: no separators, no '..', not hidden.</summary>
    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.StartsWith('.') || name.IndexOfAny(['/', '\\', '\0']) >= 0 ||
            name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"model {what} '{name}' is not a plain name", what);
    }
}
