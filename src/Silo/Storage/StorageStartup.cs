using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
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
/// An unreachable PostgreSQL is tried again for <c>Osr:Storage:StartupTimeout</c>, then refused with
/// <see cref="StorageUnavailableException"/> (exit code 1); a refusal by the server (password, missing
/// database) is not retried.
/// </summary>
public sealed partial class StorageStartup(OsrStores stores, ILogger<StorageStartup> logger, IConfiguration? configuration = null,
    IOptions<OsrStorageOptions>? options = null, TimeProvider? time = null) : IHostedService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var clock = time ?? TimeProvider.System;
        var timeout = options?.Value.StartupTimeout ?? TimeSpan.FromSeconds(60);
        var started = clock.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(cancellationToken);
                return;
            }
            catch (DbException ex) when (stores.Backend == StoreBackend.PostgreSql)
            {
                var waited = clock.GetElapsedTime(started);
                if (!ex.IsTransient) throw new StorageUnavailableException($"PostgreSQL at {Describe(options)} refused the silo: {ex.Message}", ex);
                if (waited + delay > timeout)
                    throw new StorageUnavailableException(
                        $"PostgreSQL at {Describe(options)} was not reachable for {waited.TotalSeconds:0} s ({attempt} attempts; {OsrStorageOptions.Section}:StartupTimeout is {timeout}): {ex.Message}", ex);
                Unreachable(logger, Describe(options), attempt, delay, ex.Message);
                await Task.Delay(delay, clock, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var apply = stores.Backend == StoreBackend.Sqlite || StorageSelection.AutoMigrate(configuration);
        foreach (var result in await stores.MigrateAsync(apply, cancellationToken))
        {
            if (result.Applied > 0) Migrated(logger, result.Database, result.Before, result.After);
            else Current(logger, result.Database, result.After);
        }
    }

    /// <summary>Host, port and database of the connection string, never its password.</summary>
    private static string Describe(IOptions<OsrStorageOptions>? options)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(options?.Value.ConnectionString);
            return $"{b.Host}:{b.Port}/{b.Database}";
        }
        catch (ArgumentException)
        {
            return $"{OsrStorageOptions.Section}:ConnectionString";
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Schema of {Database} migrated from version {Before} to {After}")]
    private static partial void Migrated(ILogger logger, string database, int before, int after);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Schema of {Database} is current (version {Version})")]
    private static partial void Current(ILogger logger, string database, int version);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "PostgreSQL at {Server} is not reachable (attempt {Attempt}); trying again in {Delay}: {Error}")]
    private static partial void Unreachable(ILogger logger, string server, int attempt, TimeSpan delay, string error);
}

/// <summary>The database the silo's state lives in cannot be used: the silo does not start (exit code 1).</summary>
public sealed class StorageUnavailableException(string message, Exception inner) : Exception(message, inner);
