using Npgsql;
using Osr.Orleans.Silo.Storage;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh PostgreSQL database with Orleans' tables and named queries: the scripts
/// <c>src/Storage/Migrations/PostgreSql/0010–0019</c>, executed in order as they are embedded.
/// Stands in for the migration runner (<c>osr-admin db migrate</c>) in these tests; replace the body
/// with a call to it when it exists.
/// </summary>
internal static class OrleansPostgresSchema
{
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var server = await PostgresServer.Shared;
        var connectionString = await server.CreateDatabaseAsync(prefix);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (version, name, sql) in GrainsSchema.Scripts("PostgreSql"))
        {
            if (version is < 10 or > 19) continue;
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException($"PostgreSql/{name}: {e.Message}", e);
            }
            await transaction.CommitAsync();
        }
        return connectionString;
    }
}
