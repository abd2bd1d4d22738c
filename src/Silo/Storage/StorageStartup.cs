using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Storage;

namespace Osr.Orleans.Silo.Storage;

/// <summary>
/// Opens the project's own stores (<see cref="OsrStores"/>) on the backend that
/// <c>Osr:Storage:Mode</c> names: <c>AdoNet</c> → PostgreSQL at <c>Osr:Storage:ConnectionString</c>;
/// any other mode → the embedded SQLite files in <c>Osr:Data:Path</c>.
/// </summary>
public static class StorageSelection
{
    /// <summary>Key that lets a silo apply missing PostgreSQL migrations itself (default true).</summary>
    public const string AutoMigrateKey = OsrStorageOptions.Section + ":AutoMigrate";

    public static OsrStores Open(OsrStorageOptions storage, DataOptions data, ModelsOptions models)
    {
        if (storage.Mode != StorageMode.AdoNet) return OsrStores.OpenSqlite(data.Path, models.Path);
        if (string.IsNullOrWhiteSpace(storage.ConnectionString))
            throw new InvalidOperationException($"invalid configuration: {OsrStorageOptions.Section}:ConnectionString is required when {OsrStorageOptions.Section}:Mode is AdoNet");
        try
        {
            return OsrStores.OpenPostgreSql(storage.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"invalid configuration: {OsrStorageOptions.Section}:ConnectionString: {ex.Message}", ex);
        }
    }

    /// <summary><c>Osr:Storage:AutoMigrate</c>; true unless set to false.</summary>
    public static bool AutoMigrate(IConfiguration? configuration) =>
        configuration?.GetValue<bool?>(AutoMigrateKey) ?? true;
}

/// <summary>
/// Brings the stores' schemas to this build's version before anything else starts (registered
/// ahead of Orleans): embedded SQLite files always; PostgreSQL unless <c>Osr:Storage:AutoMigrate</c>
/// is false, in which case an older schema is refused and <c>osr-admin db migrate</c> named. A
/// schema newer than this build knows is always refused: the silo does not start (exit code 2).
/// </summary>
public sealed partial class StorageStartup(OsrStores stores, ILogger<StorageStartup> logger, IConfiguration? configuration = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var apply = stores.Backend == StoreBackend.Sqlite || StorageSelection.AutoMigrate(configuration);
        foreach (var result in await stores.MigrateAsync(apply, cancellationToken))
        {
            if (result.Applied > 0) Migrated(logger, result.Database, result.Before, result.After);
            else Current(logger, result.Database, result.After);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Schema of {Database} migrated from version {Before} to {After}")]
    private static partial void Migrated(ILogger logger, string database, int before, int after);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Schema of {Database} is current (version {Version})")]
    private static partial void Current(ILogger logger, string database, int version);
}
