using Osr.Orleans.Storage.Migrations;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh PostgreSQL database with the whole schema — the project's stores and Orleans' tables
/// and named queries — applied by the migration runner, as <c>osr-admin db migrate</c> does.
/// </summary>
internal static class OrleansPostgresSchema
{
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var server = await PostgresServer.Shared;
        var connectionString = await server.CreateDatabaseAsync(prefix);
        await SchemaMigrator.MigratePostgreSqlAsync(connectionString);
        return connectionString;
    }
}
