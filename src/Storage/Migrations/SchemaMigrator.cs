using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Osr.Orleans.Storage.Migrations;

/// <summary>One embedded script: <c>Migrations/PostgreSql/NNNN_name.sql</c> or <c>Migrations/Sqlite/{set}/NNNN_name.sql</c>.</summary>
public sealed record MigrationScript(int Version, string Name, string Sql);

/// <summary>What a migration run found and left: the schema version before and after, and the newest this build knows.</summary>
public sealed record MigrationResult(string Database, int Before, int After, int Known)
{
    public int Applied => After - Before;
}

/// <summary>
/// A database whose schema this build cannot use: newer than the newest script it knows (always
/// refused), or older while applying migrations is not allowed. Nothing was changed.
/// </summary>
public sealed class SchemaVersionException(string database, int found, int known, string message) : Exception(message)
{
    public string Database { get; } = database;
    public int Found { get; } = found;
    public int Known { get; } = known;
    public bool IsNewer => Found > Known;
}

/// <summary>
/// Versioned schemas for the stores' databases. The scripts are embedded resources, applied in
/// number order, each in its own transaction with the new version recorded in the same transaction:
/// <list type="bullet">
/// <item>PostgreSQL: one sequence <c>Migrations/PostgreSql/NNNN_name.sql</c> for the whole database,
/// recorded in <c>osr_schema_migrations(version, name, applied_utc)</c>; a run holds a session-level
/// advisory lock, so silos starting together apply each script once.</item>
/// <item>SQLite: one sequence per file, <c>Migrations/Sqlite/{set}/NNNN_name.sql</c> for
/// <c>{set}.db</c>, with the version in <c>PRAGMA user_version</c>; each script runs under
/// <c>BEGIN IMMEDIATE</c>, so two processes on one file apply it once.</item>
/// </list>
/// The current version is the highest script number. A database at a higher version than this
/// build knows is refused (<see cref="SchemaVersionException"/>) and left unchanged.
/// </summary>
public static partial class SchemaMigrator
{
    /// <summary>Key of the PostgreSQL advisory lock held while migrating ("osr-migr" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x6F73722D6D696772;

    public const string PostgreSqlTable = "osr_schema_migrations";

    private const string Prefix = "Migrations/";

    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<MigrationScript>>> Scripts = new(LoadScripts);

    /// <summary>The PostgreSQL scripts, in version order.</summary>
    public static IReadOnlyList<MigrationScript> PostgreSqlScripts => Scripts.Value.GetValueOrDefault("PostgreSql") ?? [];

    /// <summary>The SQLite sets (one file <c>{set}.db</c> each) this build knows.</summary>
    public static IReadOnlyList<string> SqliteSets =>
        Scripts.Value.Keys.Where(k => k.StartsWith("Sqlite/", StringComparison.Ordinal)).Select(k => k["Sqlite/".Length..]).Order(StringComparer.Ordinal).ToArray();

    public static IReadOnlyList<MigrationScript> SqliteScripts(string set) => Scripts.Value.GetValueOrDefault("Sqlite/" + set) ?? [];

    /// <summary>The file of a SQLite set in <paramref name="dataPath"/>.</summary>
    public static string SqliteFile(string dataPath, string set) => Path.Combine(Path.GetFullPath(dataPath), set + ".db");

    // ---- PostgreSQL --------------------------------------------------------------------------

    /// <summary>
    /// Brings the PostgreSQL database to the newest version this build knows (when
    /// <paramref name="apply"/>), or checks that it is there already (otherwise: an older schema
    /// is refused naming <c>osr-admin db migrate</c>). A newer schema is refused either way.
    /// </summary>
    public static async Task<MigrationResult> MigratePostgreSqlAsync(NpgsqlDataSource dataSource, bool apply = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var scripts = PostgreSqlScripts;
        var known = scripts.Count == 0 ? 0 : scripts[^1].Version;
        var database = DatabaseName(dataSource.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, $"""
                CREATE TABLE IF NOT EXISTS {PostgreSqlTable} (
                    version     integer     PRIMARY KEY,
                    name        text        NOT NULL,
                    applied_utc timestamptz NOT NULL DEFAULT now())
                """, cancellationToken).ConfigureAwait(false);
            var before = await CurrentPostgreSqlVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            Check(database, before, known, apply);
            foreach (var script in scripts.Where(s => s.Version > before))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var command = new NpgsqlCommand(script.Sql, connection, transaction))
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand($"INSERT INTO {PostgreSqlTable} (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = script.Version });
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = script.Name });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            var after = await CurrentPostgreSqlVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            return new MigrationResult(database, before, after, known);
        }
        finally
        {
            // Also released when the connection closes; explicitly, as the connection goes back to a pool.
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="MigratePostgreSqlAsync(NpgsqlDataSource, bool, CancellationToken)"/>
    public static async Task<MigrationResult> MigratePostgreSqlAsync(string connectionString, bool apply = true,
        CancellationToken cancellationToken = default)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await MigratePostgreSqlAsync(dataSource, apply, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> CurrentPostgreSqlVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {PostgreSqlTable}", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string DatabaseName(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    // ---- SQLite ------------------------------------------------------------------------------

    /// <summary>
    /// Brings the SQLite file of <paramref name="set"/> to the newest version this build knows
    /// (creating the file and its directory). A newer schema is refused; nothing is changed then.
    /// Synchronous (Microsoft.Data.Sqlite is): call it off grain threads.
    /// </summary>
    public static MigrationResult MigrateSqlite(string path, string set, bool apply = true)
    {
        var scripts = SqliteScripts(set);
        if (scripts.Count == 0) throw new ArgumentException($"no SQLite migrations for set '{set}'", nameof(set));
        var known = scripts[^1].Version;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 10000;";
            pragma.ExecuteNonQuery();
        }
        var before = UserVersion(connection, null);
        Check(full, before, known, apply);
        foreach (var script in scripts)
        {
            // Re-read under the write lock: another process may have applied it meanwhile.
            using var transaction = connection.BeginTransaction(deferred: false);
            var current = UserVersion(connection, transaction);
            Check(full, current, known, apply);
            if (current >= script.Version)
            {
                transaction.Rollback();
                continue;
            }
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = script.Sql + $"\n;PRAGMA user_version = {script.Version.ToString(CultureInfo.InvariantCulture)};";
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        return new MigrationResult(full, before, UserVersion(connection, null), known);
    }

    /// <summary>Migrates every SQLite set this build knows, each as <c>{set}.db</c> in <paramref name="dataPath"/>.</summary>
    public static Task<IReadOnlyList<MigrationResult>> MigrateEmbeddedAsync(string dataPath, bool apply = true,
        CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<MigrationResult>>(() =>
        {
            // Check every file before changing any: a newer one refuses the whole run.
            foreach (var set in SqliteSets)
            {
                var file = SqliteFile(dataPath, set);
                if (!File.Exists(file)) continue;
                var known = SqliteScripts(set)[^1].Version;
                var found = ReadSqliteVersion(file);
                if (found > known) Check(file, found, known, apply);
            }
            return SqliteSets.Select(set =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                return MigrateSqlite(SqliteFile(dataPath, set), set, apply);
            }).ToArray();
        }, cancellationToken);

    /// <summary>The <c>user_version</c> of an existing SQLite file.</summary>
    public static int ReadSqliteVersion(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return UserVersion(connection, null);
    }

    private static int UserVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    // ---- shared ------------------------------------------------------------------------------

    private static void Check(string database, int found, int known, bool apply)
    {
        if (found > known)
            throw new SchemaVersionException(database, found, known,
                $"{database}: schema version {found} is newer than this build knows ({known}): upgrade osr");
        if (found < known && !apply)
            throw new SchemaVersionException(database, found, known,
                $"{database}: schema version {found} is older than this build needs ({known}): run 'osr-admin db migrate' " +
                "(or start the silo with Osr:Storage:AutoMigrate=true)");
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<MigrationScript>> LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var sequences = new Dictionary<string, List<MigrationScript>>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var normalized = resource.Replace('\\', '/');
            if (!normalized.StartsWith(Prefix, StringComparison.Ordinal) || !normalized.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var slash = normalized.LastIndexOf('/');
            var sequence = normalized[Prefix.Length..slash];
            var match = ScriptName().Match(normalized[(slash + 1)..]);
            if (!match.Success)
                throw new InvalidOperationException($"migration script {normalized} is not named NNNN_name.sql");
            var script = new MigrationScript(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value,
                Read(assembly, resource));
            if (!sequences.TryGetValue(sequence, out var list)) sequences[sequence] = list = [];
            list.Add(script);
        }
        foreach (var (sequence, list) in sequences)
        {
            list.Sort((a, b) => a.Version.CompareTo(b.Version));
            var duplicate = list.Zip(list.Skip(1)).FirstOrDefault(p => p.First.Version == p.Second.Version);
            if (duplicate != default)
                throw new InvalidOperationException(
                    $"migrations {sequence}: {duplicate.First.Name} and {duplicate.Second.Name} both have number {duplicate.First.Version}");
        }
        return sequences.ToDictionary(p => p.Key, p => (IReadOnlyList<MigrationScript>)p.Value, StringComparer.Ordinal);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(\d{4})_([A-Za-z0-9_\-]+)\.sql$")]
    private static partial Regex ScriptName();
}
