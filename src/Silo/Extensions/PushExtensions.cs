using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Silo.Push;
using Osr.Orleans.Storage.Sqlite;
using Polly;

namespace Osr.Orleans.Silo.Extensions;

public static class PushExtensions
{
    /// <summary>Quick in-request retries of a transient failure, before the outbox's own backoff takes over.</summary>
    internal const int QuickRetries = 2;

    internal static readonly TimeSpan QuickRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Push delivery (<c>Osr:Push</c>): validated <see cref="PushOptions"/>, the webhook
    /// <see cref="HttpClient"/> with its resilience handler (per-attempt timeout, a couple of quick
    /// retries of transient errors), the durable <see cref="WebhookOutbox"/> (singleton and hosted
    /// service) and <see cref="PushDelivery"/> as the <see cref="INotificationSink"/>, replacing any
    /// fallback registered before.
    /// </summary>
    public static IHostApplicationBuilder AddOsrPush(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PushOptions>().Bind(builder.Configuration.GetSection(PushOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PushOptions>, PushOptionsValidator>());
        services.TryAddSingleton(OsrClock.System);
        services.TryAddSingleton<DecisionCounters>();

        services.AddHttpClient(WebhookOutbox.HttpClientName, client =>
            {
                // The resilience handler bounds each attempt; the client itself never gives up first.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            // Outcomes are logged by the outbox (PushLog); not four lines per POST from the factory.
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect would turn the POST into a GET: treat 3xx as an answer, not a hop.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            })
            .AddResilienceHandler("osr-webhook", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<PushOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    // Handles 408, 429, 5xx, HttpRequestException and attempt timeouts.
                    MaxRetryAttempts = QuickRetries,
                    Delay = QuickRetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    // A long Retry-After is the outbox's business (it reschedules), not a blocked attempt's.
                    ShouldRetryAfterHeader = false,
                });
                pipeline.AddTimeout(options.AttemptTimeout);
            });

        // The silo registers the outbox store with the other stores (AddOsrEventStore, by storage mode);
        // a host without them gets the embedded one, outbox.db in Osr:Data:Path.
        services.TryAddSingleton<IOutboxStore>(sp => new SqliteOutboxStore(
            SqliteDatabase.Open(sp.GetRequiredService<IOptions<DataOptions>>().Value.Path, "outbox"), ownsDatabase: true));
        services.TryAddSingleton<WebhookOutbox>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookOutbox>());
        services.RemoveAll<INotificationSink>();
        services.AddSingleton<INotificationSink, PushDelivery>();
        return builder;
    }
}
