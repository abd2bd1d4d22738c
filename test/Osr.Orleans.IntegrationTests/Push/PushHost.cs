using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Silo.Push;
using Osr.Orleans.Storage.Migrations;
using Osr.Orleans.Storage.PostgreSql;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary>
/// A minimal host with <see cref="PushExtensions.AddOsrPush"/> as the silo wires it: the real
/// outbox on a SQLite file in <c>dataPath</c> (or in a PostgreSQL database), the real resilient HttpClient, a fake app clock.
/// Short backoffs (1 s doubling to 4 s) and a 1-day TTL unless overridden.
/// </summary>
internal sealed class PushHost : IAsyncDisposable
{
    private readonly IHost _host;

    private PushHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public WebhookOutbox Outbox => Services.GetRequiredService<WebhookOutbox>();

    public INotificationSink Sink => Services.GetRequiredService<INotificationSink>();

    public DecisionCounters Counters => Services.GetRequiredService<DecisionCounters>();

    /// <summary>The secret the test hosts sign their webhooks with (32 bytes of key).</summary>
    public const string SigningSecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=";

    public static HostApplicationBuilder CreateBuilder(string dataPath, FakeTimeProvider time, IEnumerable<string> webhooks,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [DataOptions.Section + ":Path"] = dataPath,
            ["Osr:Push:Ttl"] = "1.00:00:00",
            ["Osr:Push:InitialBackoff"] = "00:00:01",
            ["Osr:Push:MaxBackoff"] = "00:00:04",
            ["Osr:Push:AttemptTimeout"] = "00:00:05",
            // The receivers are plain http on loopback.
            ["Osr:Push:AllowHttp"] = "true",
            ["Osr:Push:SigningSecret"] = SigningSecret,
        };
        var i = 0;
        foreach (var url in webhooks) settings[$"Osr:Push:Webhooks:{i++}"] = url;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddOptions<DataOptions>().Bind(builder.Configuration.GetSection(DataOptions.Section));
        builder.Services.AddSingleton(new OsrClock(time));
        return builder;
    }

    /// <param name="postgres">When given, the outbox's rows live in this PostgreSQL database instead of <c>outbox.db</c>.</param>
    public static async Task<PushHost> StartAsync(string dataPath, FakeTimeProvider time, IEnumerable<string> webhooks,
        IReadOnlyDictionary<string, string?>? overrides = null, string? postgres = null)
    {
        var builder = CreateBuilder(dataPath, time, webhooks, overrides);
        if (postgres is not null)
        {
            await SchemaMigrator.MigratePostgreSqlAsync(postgres);
            builder.Services.AddSingleton<IOutboxStore>(_ => new PostgreSqlOutboxStore(PostgreSqlDatabase.Create(postgres), ownsDatabase: true));
        }
        builder.AddOsrPush();
        var host = builder.Build();
        await host.StartAsync();
        return new PushHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable async) await async.DisposeAsync();
        else _host.Dispose();
    }
}
