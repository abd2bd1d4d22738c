using Osr.Orleans.Grains.Storage;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>
/// <see cref="IModelFileStore"/> on PostgreSQL: a row per version in <c>osr_model_versions</c>
/// and a bytea row per file in <c>osr_model_files</c>, written in one transaction, so every silo
/// of the cluster reads every version from the database. A version already stored is left as it is.
/// The registry's pointers (the active version of each kind) live in <c>osr_model_pointers</c>.
/// </summary>
public sealed class PostgreSqlModelFileStore(PostgreSqlDatabase database) : IModelFileStore
{
    public PostgreSqlDatabase Database { get; } = database;

    public bool IsLocal => false;

    public async Task SaveAsync(string kind, string version, IReadOnlyDictionary<string, byte[]> files, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(files);
        await using var connection = await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var claim = Command(connection,
            "INSERT INTO osr_model_versions (kind, version) VALUES ($1, $2) ON CONFLICT (kind, version) DO NOTHING", P(kind), P(version)))
        {
            claim.Transaction = transaction;
            if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0) return;
        }
        foreach (var (name, content) in files)
        {
            await using var insert = Command(connection, "INSERT INTO osr_model_files (kind, version, name, content) VALUES ($1, $2, $3, $4)",
                P(kind), P(version), P(name), P(content));
            insert.Transaction = transaction;
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, byte[]>?> ReadAsync(string kind, string version, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("""
            SELECT f.name, f.content FROM osr_model_versions v
            LEFT JOIN osr_model_files f ON f.kind = v.kind AND f.version = v.version
            WHERE v.kind = $1 AND v.version = $2
            """);
        command.Parameters.Add(P(kind));
        command.Parameters.Add(P(version));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        Dictionary<string, byte[]>? files = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            files ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (!reader.IsDBNull(0)) files[reader.GetString(0)] = reader.GetFieldValue<byte[]>(1);
        }
        return files;
    }

    /// <summary>One statement: the version's row goes, its files with it (ON DELETE CASCADE).</summary>
    public async Task<bool> DeleteAsync(string kind, string version, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("DELETE FROM osr_model_versions WHERE kind = $1 AND version = $2");
        command.Parameters.Add(P(kind));
        command.Parameters.Add(P(version));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<string>> ListVersionsAsync(string kind, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT version FROM osr_model_versions WHERE kind = $1 ORDER BY version COLLATE \"C\"");
        command.Parameters.Add(P(kind));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) versions.Add(reader.GetString(0));
        return versions;
    }

    public async Task<byte[]?> ReadPointerAsync(string kind, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT pointer FROM osr_model_pointers WHERE kind = $1");
        command.Parameters.Add(P(kind));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    public Task WritePointerAsync(string kind, byte[] pointer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        return Database.WriteAsync(batch => batch.Add(Command("""
            INSERT INTO osr_model_pointers (kind, pointer, updated_utc) VALUES ($1, $2, now())
            ON CONFLICT (kind) DO UPDATE SET pointer = excluded.pointer, updated_utc = excluded.updated_utc
            """, P(kind), P(pointer))), cancellationToken);
    }
}
