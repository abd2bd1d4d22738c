using System.Text.Json;
using System.Text.Json.Nodes;
using Osr.Orleans.Models.Broker;

namespace Osr.Orleans.Client.Broker;

/// <summary>A device whose broker account goes into the file: its id, owner and secret.</summary>
public readonly record struct BrokerAccountEntry(string DeviceId, string UserId, string Secret);

/// <summary>
/// The file of Mosquitto's dynamic-security plugin (<c>plugin_opt_config_file</c>), written by the console for devices
/// registered with <c>--broker-file</c> (docs/operations.md, "External broker: large fleets"). Mosquitto 2.0 rewrites its
/// whole file after every control command, so creating 10k+ accounts one command at a time takes hours; written here in
/// one go, they load when the broker starts. Each device gets its client (username = client id = device id, the password
/// stored as the plugin stores it) and its role (<see cref="DeviceBrokerAccount"/>); everything else in the file (the
/// silos' account, other clients, roles, groups, default access) is kept, and a device already in it is replaced.
/// Several writers (e.g. several simulators) may share one file: each merge holds an exclusive lock on
/// <c>PATH.lock</c>. The broker reads the file only at start: stop it before, start it after.
/// </summary>
public static class DynamicSecurityFile
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Checks that <paramref name="path"/> can take the accounts of <paramref name="deviceIds"/>: a file path (not a directory)
    /// in an existing directory where the console may write, and, if the file exists, a dynamic-security file (a JSON
    /// object whose <c>clients</c>, <c>roles</c> and <c>groups</c>, when present, are arrays) in which none of these ids
    /// names an account other than a device's own. Throws <see cref="FormatException"/> with the reason; call before
    /// registering anything.
    /// </summary>
    public static void Check(string path, IEnumerable<string> deviceIds)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        if (string.IsNullOrWhiteSpace(path)) throw new FormatException("the path is empty");
        string directory;
        try
        {
            directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new FormatException($"{path}: not a file path");
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new FormatException($"{path}: not a usable path ({ex.Message})", ex);
        }
        if (Directory.Exists(path)) throw new FormatException($"{path}: is a directory");
        if (!Directory.Exists(directory)) throw new FormatException($"{path}: the directory {directory} does not exist");
        if (File.Exists(path)) RefuseForeignAccounts(path, Read(path), deviceIds);
        try
        {
            using var probe = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: cannot be written here ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// <see cref="Check"/> for a console command: a problem is bad input (exit 2) and nothing is registered.
    /// </summary>
    internal static void CheckOption(string path, IEnumerable<string> deviceIds)
    {
        try
        {
            Check(path, deviceIds);
        }
        catch (FormatException ex)
        {
            throw new Cli.CliInputException($"--broker-file {ex.Message}; nothing was registered");
        }
    }

    /// <summary>
    /// Adds or replaces the accounts of <paramref name="devices"/> in <paramref name="path"/> (created if missing), under the
    /// file's lock; a failure (the file no longer a dynamic-security file, not writable, its lock held for
    /// two minutes) leaves the file as it was and is reported as a <see cref="FormatException"/> or <see cref="IOException"/>.
    /// </summary>
    /// <param name="time">The clock the wait for the lock runs on (the system clock when null).</param>
    public static async Task MergeAsync(string path, IReadOnlyCollection<BrokerAccountEntry> devices, CancellationToken ct, TimeProvider? time = null)
    {
        try
        {
            await MergeCoreAsync(path, devices, time ?? TimeProvider.System, ct).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"{path}: cannot be written: {ex.Message}", ex);
        }
    }

    private static async Task MergeCoreAsync(string path, IReadOnlyCollection<BrokerAccountEntry> devices, TimeProvider time, CancellationToken ct)
    {
        using var fileLock = await LockAsync(path + ".lock", time, ct).ConfigureAwait(false);
        var exists = File.Exists(path);
        var root = exists ? Read(path) : NewRoot();
        RefuseForeignAccounts(path, root, devices.Select(d => d.DeviceId));
        Merge(root, devices);
        var temporary = path + ".tmp";
        File.Delete(temporary);   // a leftover of a crashed writer keeps its own mode otherwise
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        // It holds password hashes: a new file is the writer's alone; a replaced one keeps the mode the broker's admin gave it.
        if (!OperatingSystem.IsWindows())
            create.UnixCreateMode = exists ? File.GetUnixFileMode(path) : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var stream = new FileStream(temporary, create))
        {
            await JsonSerializer.SerializeAsync(stream, root, Indented, ct).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Adds or replaces each device's client and role in <paramref name="root"/> (pure; the file's own order is kept, new entries are appended).</summary>
    public static void Merge(JsonObject root, IReadOnlyCollection<BrokerAccountEntry> devices)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(devices);
        var clients = ArrayOf(root, "clients");
        var roles = ArrayOf(root, "roles");
        ArrayOf(root, "groups");
        var clientAt = IndexBy(clients, "username");
        var roleAt = IndexBy(roles, "rolename");
        foreach (var d in devices)
        {
            var role = DeviceBrokerAccount.RoleName(d.DeviceId);
            var salt = DeviceBrokerAccount.NewSalt();
            var client = new JsonObject
            {
                ["username"] = d.DeviceId,
                ["clientid"] = d.DeviceId,
                ["roles"] = new JsonArray(new JsonObject { ["rolename"] = role }),
                ["password"] = DeviceBrokerAccount.PasswordHash(d.Secret, salt),
                ["salt"] = Convert.ToBase64String(salt),
                ["iterations"] = DeviceBrokerAccount.PasswordIterations,
            };
            Put(clients, clientAt, d.DeviceId, client);
            Put(roles, roleAt, role, new JsonObject { ["rolename"] = role, ["acls"] = DeviceBrokerAccount.AclsJson(d.DeviceId, d.UserId) });
        }
    }

    /// <summary>A device id that names another kind of account in the file (the silos', an admin's) is never replaced.</summary>
    private static void RefuseForeignAccounts(string path, JsonObject root, IEnumerable<string> deviceIds)
    {
        if (root["clients"] is not JsonArray clients) return;
        var ids = deviceIds.ToHashSet(StringComparer.Ordinal);
        foreach (var client in clients.OfType<JsonObject>())
        {
            if (client["username"] is not JsonValue v || !v.TryGetValue<string>(out var name) || !ids.Contains(name)) continue;
            var roles = (client["roles"] as JsonArray)?.OfType<JsonObject>().Select(r => r["rolename"]?.ToString()).ToList() ?? [];
            if (roles.Count != 1 || roles[0] != DeviceBrokerAccount.RoleName(name))
                throw new FormatException($"{path}: '{name}' is an account of another kind in this file (roles: {string.Join(", ", roles)}); a device of that id would replace it");
        }
    }

    private static JsonObject Read(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not a Mosquitto dynamic-security file (not JSON: {ex.Message})", ex);
        }
        catch (IOException ex)
        {
            throw new FormatException($"{path}: cannot be read: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new FormatException($"{path}: cannot be read: {ex.Message}", ex);
        }
        if (node is not JsonObject root) throw new FormatException($"{path}: not a Mosquitto dynamic-security file (not a JSON object)");
        foreach (var name in (string[])["clients", "roles", "groups"])
        {
            if (root[name] is { } value && value is not JsonArray)
                throw new FormatException($"{path}: not a Mosquitto dynamic-security file (\"{name}\" is not an array)");
        }
        return root;
    }

    /// <summary>The defaults Mosquitto's own <c>mosquitto_ctrl dynsec init</c> writes: devices get only what their roles allow.</summary>
    private static JsonObject NewRoot() => new()
    {
        ["defaultACLAccess"] = new JsonObject
        {
            ["publishClientSend"] = false, ["publishClientReceive"] = true, ["subscribe"] = false, ["unsubscribe"] = true,
        },
    };

    private static JsonArray ArrayOf(JsonObject root, string name)
    {
        if (root[name] is JsonArray array) return array;
        array = [];
        root[name] = array;
        return array;
    }

    private static Dictionary<string, int> IndexBy(JsonArray array, string key)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var name)) index[name] = i;
        }
        return index;
    }

    private static void Put(JsonArray array, Dictionary<string, int> index, string name, JsonObject entry)
    {
        if (index.TryGetValue(name, out var at))
        {
            array[at] = entry;
        }
        else
        {
            index[name] = array.Count;
            array.Add(entry);
        }
    }

    private static async Task<FileStream> LockAsync(string lockPath, TimeProvider time, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                if (time.GetElapsedTime(started) >= LockTimeout)
                    throw new IOException($"{lockPath} is held by another writer for {LockTimeout.TotalMinutes:0} min", ex);
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, ct).ConfigureAwait(false);
            }
        }
    }
}
