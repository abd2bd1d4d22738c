using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace Osr.Orleans.Silo.Storage;

/// <summary>
/// The versioned SQL scripts of Orleans' own tables, embedded in Osr.Orleans.Storage as
/// <c>Migrations/{set}/NNNN_name.sql</c>, and the small applier of the embedded grains database:
/// <c>Sqlite/grains</c> (grain state and reminders in <c>{Osr:Data:Path}/grains.db</c>), versioned
/// with SQLite's <c>PRAGMA user_version</c> = the number of the last script applied.
/// </summary>
public static class GrainsSchema
{
    /// <summary>The set of the embedded grains database.</summary>
    public const string SqliteGrains = "Sqlite/grains";

    private static readonly Assembly ScriptAssembly = Assembly.Load("Osr.Orleans.Storage");

    /// <summary>The scripts of one set, by number; only the set's own folder, not its subfolders.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts(string set)
    {
        var prefix = "Migrations/" + set + "/";
        var scripts = new List<(int, string, string)>();
        foreach (var resource in ScriptAssembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var name = resource[prefix.Length..];
            if (name.Contains('/', StringComparison.Ordinal) || name.Length < 6 || name[4] != '_'
                || !int.TryParse(name.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                continue;
            using var stream = ScriptAssembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, name, reader.ReadToEnd()));
        }
        scripts.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return scripts;
    }

    /// <summary>
    /// Brings the SQLite database up to the newest script of <paramref name="set"/>: WAL journal,
    /// then each script newer than <c>user_version</c> in its own transaction with the new version.
    /// Refuses a database newer than the scripts this build knows.
    /// </summary>
    /// <returns>The version before and after.</returns>
    public static (int From, int To) ApplySqlite(string connectionString, string set)
    {
        var scripts = Scripts(set);
        var newest = scripts.Count == 0 ? 0 : scripts[^1].Version;
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }
        int current;
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "PRAGMA user_version;";
            current = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        if (current > newest)
            throw new InvalidOperationException(
                $"{connection.DataSource} has schema version {current} ({set}), newer than this silo knows ({newest}): run a newer build");
        foreach (var (version, name, sql) in scripts)
        {
            if (version <= current) continue;
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql + $"\nPRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)};";
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException e)
            {
                throw new InvalidOperationException($"{set}/{name} failed on {connection.DataSource}: {e.Message}", e);
            }
            transaction.Commit();
        }
        return (current, Math.Max(current, newest));
    }
}
